"""The whole invitation flow in a real browser (Debian's Chromium driven by Playwright):
a coordinator invites, the e-mail arrives, the guest accepts, sees exactly their space, and
loses access at the end date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from contacts.models import User
from spaces.models import Membership

from .conftest import enrol_mfa_if_required
from .factories import AuthorityFactory, MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

GUEST_PASSWORD = "Speicherstadt-Fleet-2026"


@pytest.fixture
def browser(live_server, fresh_contexts):
    return fresh_contexts


def _signed_in_context(browser, base: str, user: User):
    """A browser signed in as `user` (the sign-in page itself is tested elsewhere)."""
    enrol_mfa_if_required(user)
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="de-DE")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    return context


@pytest.mark.django_db(transaction=True)
def test_coordinator_invites_guest_accepts_sees_only_their_space_and_loses_access(
    live_server, browser
):
    base = live_server.url
    coordinator = PersonFactory(
        user__email="browser.einladung@example.org",
        user__first_name="Clara",
        user__last_name="Koordinatorin",
        # Transactional tests flush the reference data: the factories bring what they need.
        authority=AuthorityFactory(code="BVM"),
    )
    space = MembershipFactory(
        person=coordinator, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    ).space
    colleague = PersonFactory(
        user__first_name="Mira", user__last_name="Mitglied", phone="+49 40 0000 1111"
    )
    MembershipFactory(person=colleague, space=space)
    stranger = PersonFactory(user__first_name="Fritz", user__last_name="Fremd")
    MembershipFactory(person=stranger, space__slug="wissen-bildung")

    # The coordinator invites by the form.
    page = _signed_in_context(browser, base, coordinator.user).new_page()
    page.goto(f"{base}/spaces/{space.slug}/")
    page.get_by_role("link", name="Person einladen").click()
    page.fill("#id_email", "gesa.gast@uni.example.org")
    page.fill("#id_first_name", "Gesa")
    page.fill("#id_last_name", "Gast")
    page.fill("#id_message", "Wir freuen uns auf Ihre Mitarbeit.")
    with page.expect_navigation(url=f"{base}/contacts/invitations/spaces/{space.slug}/"):
        page.get_by_role("button", name="Einladung senden").click()
    assert "gesa.gast@uni.example.org" in page.locator("main").inner_text()

    # The e-mail arrives with the link.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["gesa.gast@uni.example.org"]
    path = re.search(r"/invitations/[A-Za-z0-9_\-]+/", mail.outbox[0].body).group(0)

    # The guest opens it, sets a password, accepts the terms and lands in the space.
    guest_page = browser.new_context(locale="de-DE").new_page()
    guest_page.goto(base + path)
    assert guest_page.locator("h1").inner_text() == "Einladung annehmen"
    assert guest_page.locator("#id_first_name").input_value() == "Gesa"
    guest_page.fill("#id_password1", GUEST_PASSWORD)
    guest_page.fill("#id_password2", GUEST_PASSWORD)
    guest_page.check("#id_accept_terms")
    guest_page.check("#id_accept_privacy")
    with guest_page.expect_navigation(url=f"{base}/spaces/{space.slug}/"):
        guest_page.get_by_role("button", name="Einladung annehmen").click()
    main = guest_page.locator("main").inner_text()
    assert "Ihre Rolle: Gast" in main
    assert "Mira Mitglied" in main
    assert "+49 40 0000 1111" not in main  # no contact details without opt-in

    # Exactly their space: nobody of another space, no matrix.
    guest_page.goto(f"{base}/contacts/people/")
    people = guest_page.locator("main").inner_text()
    assert "Mira Mitglied" in people and "Fritz Fremd" not in people
    guest_page.goto(f"{base}/spaces/wissen-bildung/")
    assert "Fritz Fremd" not in guest_page.locator("main").inner_text()
    assert guest_page.goto(f"{base}/contacts/matrix/").status == 403

    # The used link does not work a second time.
    assert guest_page.goto(base + path).status == 410

    # The end date passes: at the next request the guest is signed out.
    guest = User.objects.get(email="gesa.gast@uni.example.org")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Membership.objects.filter(person__user=guest).update(
        since=yesterday - dt.timedelta(days=5), until=yesterday
    )
    guest_page.goto(f"{base}/spaces/{space.slug}/")
    main = guest_page.locator("main").inner_text()
    assert "Ihr Zugang ist beendet" in main
    assert "Mira Mitglied" not in main
    assert guest_page.get_by_role("link", name="Anmelden").count() >= 1
    assert guest_page.goto(f"{base}/dashboard/").url.startswith(f"{base}/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_invitation_and_data_protection_pages_have_no_detectable_wcag_violations(
    live_server, browser
):
    from .factories import make_invitation
    from .test_accessibility import _violations

    base = live_server.url
    coordinator = PersonFactory(
        user__email="a11y.einladung@example.org", authority=AuthorityFactory(code="BVM")
    )
    space = MembershipFactory(
        person=coordinator, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    ).space
    invitation, token = make_invitation(space=space, invited_by=coordinator.user)
    found: dict[str, list[str]] = {}

    anonymous = browser.new_context(locale="de-DE").new_page()
    for path in [
        "/privacy/",
        "/legal-notice/",
        "/accessibility/",
        "/terms/",
        f"/invitations/{token}/",
        "/invitations/gibt-es-nicht/",
    ]:
        anonymous.goto(base + path)
        if problems := _violations(anonymous):
            found[f"anonymous {path}"] = problems
    # The accept form with its error messages.
    anonymous.goto(f"{base}/invitations/{token}/")
    anonymous.fill("#id_password1", "kurz")
    anonymous.get_by_role("button", name="Einladung annehmen").click()
    if problems := _violations(anonymous):
        found["anonymous accept with errors"] = problems

    page = _signed_in_context(browser, base, coordinator.user).new_page()
    for path in [
        f"/contacts/invitations/spaces/{space.slug}/",
        f"/contacts/invitations/spaces/{space.slug}/new/",
        f"/contacts/invitations/{invitation.pk}/extend/",
        f"/contacts/invitations/{invitation.pk}/revoke/",
        "/my-data/",
        "/my-data/delete/",
    ]:
        page.goto(base + path)
        if problems := _violations(page):
            found[f"coordinator {path}"] = problems
    page.goto(f"{base}/contacts/invitations/spaces/{space.slug}/new/")
    page.fill("#id_email", "kaputt")
    page.get_by_role("button", name="Einladung senden").click()
    if problems := _violations(page):
        found["coordinator invitation form with errors"] = problems
    assert not found, found
