"""In a real browser: a member opens a discussion in a space, mentioning a guest of the space;
the guest finds the notice, opens the thread and replies; the member sees the answer."""

from __future__ import annotations

import pytest

from spaces.models import Membership

from .factories import AuthorityFactory, ExternalPersonFactory, MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM, _sign_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.fixture
def browser(live_server, fresh_contexts):
    return fresh_contexts


@pytest.mark.django_db(transaction=True)
def test_a_member_mentions_a_guest_who_sees_the_notice_and_replies(live_server, browser):
    base = live_server.url
    member = PersonFactory(
        user__email="browser.mitglied@example.org",
        user__first_name="Malte",
        user__last_name="Iversen",
        authority=AuthorityFactory(code="BUKEA"),
    )
    space = MembershipFactory(
        person=member, space__slug="wissen-bildung", space__name_de="Wissen & Bildung"
    ).space
    guest = ExternalPersonFactory(
        user__email="browser.gast@example.org",
        user__first_name="Greta",
        user__last_name="Asmussen",
    )
    MembershipFactory(person=guest, space=space, role=Membership.Role.GUEST)

    page = browser.new_context(locale="de-DE").new_page()
    _sign_in(page, base, member.user.email)
    page.goto(f"{base}/spaces/{space.slug}/discussions/")
    page.get_by_role("link", name="Neue Diskussion").click()
    page.fill("#id_title", "Pilot Lernplattform")
    page.fill("#id_body", "**Willkommen!** @greta.asmussen, machen Sie beim Pilot mit?")
    with page.expect_navigation(url=f"{base}/discussions/*/"):
        page.get_by_role("button", name="Eröffnen").click()
    assert page.locator(".portal-mention").inner_text() == "@Greta Asmussen"
    assert page.locator(".portal-post__body strong").inner_text() == "Willkommen!"
    thread_url = page.url

    guest_page = browser.new_context(locale="de-DE").new_page()
    _sign_in(guest_page, base, guest.user.email)
    guest_page.goto(f"{base}/notifications/")
    with guest_page.expect_navigation(url=f"{thread_url}?page=1#beitrag-1"):
        guest_page.get_by_role("link", name="Sie wurden erwähnt: Pilot Lernplattform").click()
    guest_page.fill("#id_body", "Sehr gern, ich bringe die Erfahrungen der HCU ein.")
    with guest_page.expect_navigation(url=f"{thread_url}?page=1#beitrag-2"):
        guest_page.get_by_role("button", name="Antwort veröffentlichen").click()
    assert "Ihre Antwort ist veröffentlicht." in guest_page.content()

    page.goto(thread_url)
    assert "Sehr gern, ich bringe die Erfahrungen der HCU ein." in page.content()
