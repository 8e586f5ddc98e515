"""In a real browser, without JavaScript needed: a member uploads a PDF into their space, a
second version follows, the coordinator sees both and downloads the first; an executable
renamed to .pdf is refused with a message; the guest of another space never sees it."""

from __future__ import annotations

import pytest

from contacts.models import Authority
from documents.models import Document
from spaces.models import Membership, Space

from . import document_files as files
from .conftest import TEST_TOTP_SECRET, enrol_mfa
from .factories import ExternalPersonFactory, MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM, FLAGS, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


def _sign_out(page, base: str) -> None:
    page.goto(f"{base}/accounts/logout/")
    page.locator("#main").get_by_role("button", name="Abmelden").click()


@pytest.mark.django_db(transaction=True)
def test_a_member_uploads_versions_and_the_coordinator_downloads(
    reference_data, live_server, tmp_path, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    space = Space.objects.get(slug="mobilitaet-energie")
    member = PersonFactory.create(
        user__email="browser.member@example.org", authority=Authority.objects.get(code="BUKEA")
    ).user
    MembershipFactory(person=member.person, space=space, role=Membership.Role.MEMBER)
    coordinator = PersonFactory.create(
        user__email="browser.coord@example.org", authority=Authority.objects.get(code="BVM")
    ).user
    MembershipFactory(person=coordinator.person, space=space, role=Membership.Role.COORDINATOR)
    enrol_mfa(coordinator)
    guest = ExternalPersonFactory.create(user__email="browser.guest@example.org").user
    MembershipFactory(
        person=guest.person,
        space=Space.objects.get(slug="wissen-bildung"),
        role=Membership.Role.GUEST,
    )
    first = tmp_path / "Protokoll März.pdf"
    first.write_bytes(files.tiny_pdf("Version eins"))
    second = tmp_path / "Protokoll März v2.pdf"
    second.write_bytes(files.tiny_pdf("Version zwei"))
    renamed = tmp_path / "rechnung.pdf"
    renamed.write_bytes(files.REFUSED["windows-exe-as-pdf"][1])

    _sign_in(page, base, member.email)
    page.goto(f"{base}/spaces/{space.slug}/documents/new/")
    page.fill("#id_title", "Rechnung")
    page.set_input_files("#id_file", str(renamed))
    with page.expect_navigation():
        page.get_by_role("button", name="Hochladen").click()
    assert "Ausführbare Programme" in page.content()
    assert not Document.objects.exists()

    page.fill("#id_title", "Protokoll März")
    page.set_input_files("#id_file", str(first))
    with page.expect_navigation(url=f"{base}/documents/*/"):
        page.get_by_role("button", name="Hochladen").click()
    page.get_by_role("link", name="Neue Version hochladen").click()
    page.set_input_files("#id_file", str(second))
    page.fill("#id_note", "Korrekturen")
    with page.expect_navigation(url=f"{base}/documents/*/"):
        page.get_by_role("button", name="Hochladen").click()
    _sign_out(page, base)

    _sign_in(page, base, coordinator.email, TEST_TOTP_SECRET)
    page.goto(f"{base}/spaces/{space.slug}/")
    with page.expect_navigation(url=f"{base}/documents/*/"):
        page.get_by_role("link", name="Protokoll März").first.click()
    html = page.content()
    assert html.index("Protokoll März v2.pdf") < html.index("Protokoll März.pdf herunterladen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Protokoll März.pdf herunterladen").click()
    assert download.value.suggested_filename == "Protokoll März.pdf"
    target = tmp_path / "heruntergeladen.pdf"
    download.value.save_as(target)
    assert target.read_bytes() == first.read_bytes()
    _sign_out(page, base)

    _sign_in(page, base, guest.email)
    document = Document.objects.get()
    response = page.goto(f"{base}/documents/{document.pk}/")
    assert response is not None and response.status == 404
