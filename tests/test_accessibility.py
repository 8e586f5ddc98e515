"""Automated WCAG 2.1 AA checks (axe-core in Chromium) on the portal's pages, as a visitor and
signed in. axe finds what machines can find (contrast, names, labels, landmarks, structure);
keyboard and screen-reader walkthroughs remain a manual part of the BITV test."""

from __future__ import annotations

import functools
import weakref

import pytest

from contacts.models import User
from spaces.models import Membership, Space

from .conftest import enrol_mfa, totp_code
from .factories import PASSWORD, MembershipFactory, PersonFactory
from .test_e2e_browser import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Only the violations come back in full: the passes of a long page are thousands of nodes,
    # and serialising them out of the browser cost more than the checks themselves.
    "resultTypes": ["violations"],
}

PUBLIC_PAGES = [
    "/",
    "/spaces/",
    "/spaces/mobilitaet-energie/",
    "/accounts/login/",
    "/gibt-es-nicht/",
    "/search/",
    "/search/?q=Mobilit%C3%A4t",
    "/search/?q=und+der",
    # Help (issue 11): the index, an area, the glossary.
    "/help/",
    "/help/projects/",
    "/help/glossary/",
    # allauth in the portal's style (issue 11)
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
]
SIGNED_IN_PAGES = [
    "/dashboard/",
    "/spaces/mobilitaet-energie/",
    "/spaces/mobilitaet-energie/members/add/",
    "/contacts/people/",
    "/contacts/people/?authority=UNBEKANNT",
    "/contacts/authorities/",
    "/contacts/authorities/BVM/",
    "/contacts/matrix/",
    "/accounts/security/",
    "/accounts/sessions/",
    "/accounts/2fa/",
    "/accounts/password/change/",
    "/notifications/",
    "/notifications/preferences/",
    "/reports/",
    "/search/?q=Mobilit%C3%A4t+Raum",
    "/search/?q=Raum&kind=spaces",
]
MEETING_PAGES = [
    "/spaces/mobilitaet-energie/meetings/",
    "/spaces/mobilitaet-energie/meetings/new/",
    "/meetings/",
    "/meetings/calendar/",
]
MEETING_PAGES_OF_ONE = [
    "/meetings/{pk}/",
    "/meetings/{pk}/edit/",
    "/meetings/{pk}/minutes/",
    "/meetings/{pk}/cancel/",
]


def _fiscal_year() -> int:
    from projects.models import FiscalYear

    year, _created = FiscalYear.objects.get_or_create(
        year=2026, defaults={"double_budget": "2025/2026"}
    )
    return year.pk


def _document_pages(coordinator) -> list[str]:
    """A document with two versions in the space and one on a project (issue 12)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services
    from documents.demo import tiny_pdf
    from spaces.models import Space

    from .factories import ProjectFactory

    def pdf() -> SimpleUploadedFile:
        return SimpleUploadedFile("protokoll.pdf", tiny_pdf("Protokoll"))

    space = Space.objects.get(slug="mobilitaet-energie")
    user = coordinator.user
    document = services.document_create(
        actor=user, container=space, title="Protokoll März", description="Sitzung", upload=pdf()
    )
    services.document_version_add(actor=user, document=document, upload=pdf(), note="Korrektur")
    project = ProjectFactory.create(slug="a11y-dokumente", primary_space=space)
    services.document_create(actor=user, container=project, title="Steckbrief", upload=pdf())
    return [
        "/spaces/mobilitaet-energie/documents/",
        "/spaces/mobilitaet-energie/documents/new/",
        f"/documents/{document.pk}/",
        f"/documents/{document.pk}/versions/new/",
        f"/documents/{document.pk}/delete/",
        f"/projects/{project.slug}/",
        f"/projects/{project.slug}/documents/",
    ]


@functools.cache
def _axe_script() -> str:
    """axe-core's script (axe-playwright-python ships it), read from its file once per process."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


_AXE_PRELOADED: weakref.WeakSet[object] = weakref.WeakSet()  # browser contexts that load axe


def _violations(page) -> list[str]:
    """axe's WCAG 2.1 AA violations on the page as loaded. The first check in a browser context
    hands the 570 KB script to the page and registers it for every later page of the context,
    which Chromium then runs as each page loads: sending it through Playwright for every page
    cost three times as much (86 ms against 22 ms a page, measured on the navigation crawl)."""
    if page.context not in _AXE_PRELOADED:
        page.context.add_init_script(script=_axe_script())
        _AXE_PRELOADED.add(page.context)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(_axe_script())
    violations = page.evaluate(
        "options => axe.run(document, options).then(results => results.violations)", WCAG_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    ]


@pytest.fixture
def page(live_server, fresh_contexts):
    return fresh_contexts.new_page()


@pytest.mark.django_db(transaction=True)
def test_pages_have_no_detectable_wcag_violations(reference_data, live_server, page):
    coordinator = PersonFactory(user__email="a11y.coord@example.org")
    space = MembershipFactory(
        person=coordinator, space__slug="mobilitaet-energie", role=Membership.Role.COORDINATOR
    ).space
    for _ in range(3):
        MembershipFactory(space=space)
    # The home's sections: a project with news, a former member.
    from django.utils import timezone

    from core.services import audit_record

    from .factories import ProjectFactory

    project = ProjectFactory(primary_space=space, visibility="public")
    audit_record(actor=coordinator.user, instance=project, action="create")
    _needs_attention(space, coordinator.user)
    MembershipFactory(space=space, ended_at=timezone.now())
    from reports.models import Report

    running = Report.objects.create(
        kind="budget",
        format="xlsx",
        scope="space",
        space=space,
        fiscal_year_id=_fiscal_year(),
        requested_by=coordinator.user,
        status="running",
        progress=40,
    )
    discussion_pages = _discussion_pages(coordinator.user, space)
    from .factories import make_meeting

    meeting = make_meeting(
        space=space, invitees=[coordinator], title="Jour fixe", agenda="1. Stand\n2. Termine"
    )
    signed_in_pages = [
        *SIGNED_IN_PAGES,
        f"/reports/{running.pk}/",
        *MEETING_PAGES,
        *(p.format(pk=meeting.pk) for p in MEETING_PAGES_OF_ONE),
        f"/contacts/people/{coordinator.pk}/",
        *discussion_pages,
        *_document_pages(coordinator),
        # Forms that help (issue 11): checkbox pickers, the editors with "add a row".
        "/projects/new/",
        f"/projects/{project.slug}/edit/",
        f"/projects/{project.slug}/milestones/",
        # KERN done well (issue 11): breadcrumbs, scroll regions, the grouped budget editor.
        "/projects/",
        f"/projects/{project.slug}/",
        f"/projects/{project.slug}/budget/",
        "/accounts/email/",
        "/accounts/2fa/recovery-codes/",
        "/accounts/2fa/recovery-codes/generate/",
        "/accounts/logout/",
    ]
    found: dict[str, list[str]] = {}
    for path in PUBLIC_PAGES:
        page.goto(live_server.url + path)
        if problems := _violations(page):
            found[f"anonymous {path}"] = problems
    enrol_mfa(coordinator.user)  # coordinators sign in with a second factor (issue 4)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_login", coordinator.user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    if problems := _violations(page):
        found["coordinator second factor"] = problems
    page.fill("#id_code", totp_code())
    with page.expect_navigation(url="**/dashboard/"):
        page.get_by_role("button", name="Anmeldung").click()
    for path in signed_in_pages:
        page.goto(live_server.url + path)
        if problems := _violations(page):
            found[f"coordinator {path}"] = problems
    # A form answered with errors: error summary and field errors must be accessible too.
    page.goto(live_server.url + "/spaces/mobilitaet-energie/members/add/")
    page.get_by_role("button", name="Hinzufügen").click()
    if problems := _violations(page):
        found["coordinator invalid member form"] = problems
    # A meeting form answered with errors, the answer given, the new feed address shown once.
    page.goto(live_server.url + "/spaces/mobilitaet-energie/meetings/new/")
    page.get_by_role("button", name="Speichern").click()
    if problems := _violations(page):
        found["coordinator invalid meeting form"] = problems
    page.goto(live_server.url + f"/meetings/{meeting.pk}/")
    page.get_by_role("button", name="Ich nehme teil").click()
    if problems := _violations(page):
        found["coordinator answered meeting"] = problems
    page.goto(live_server.url + "/meetings/calendar/")
    page.get_by_role("button", name="Adresse erstellen").click()
    if problems := _violations(page):
        found["coordinator new calendar address"] = problems
    page.goto(live_server.url + "/reports/")
    page.select_option("#id_kind", value="lines")
    page.select_option("#id_format", value="pdf")
    page.get_by_role("button", name="Bericht anfordern").click()
    if problems := _violations(page):
        found["coordinator invalid report request"] = problems
    # A reply refused (empty): the thread page with its message.
    page.goto(live_server.url + discussion_pages[THREAD_PAGE])
    page.get_by_role("button", name="Antwort veröffentlichen").click()
    if problems := _violations(page):
        found["coordinator invalid reply"] = problems
    page.goto(live_server.url + "/spaces/mobilitaet-energie/documents/new/")
    page.get_by_role("button", name="Hochladen").click()
    if problems := _violations(page):
        found["coordinator invalid document upload"] = problems
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


def _needs_attention(space: Space, coordinator: User) -> None:
    """The dashboard's top section filled: a red project with an overdue milestone, a guest
    whose access ends within 14 days, a pending invitation."""
    import datetime as dt

    from django.utils import timezone

    from projects.models import Milestone

    from .factories import ExternalPersonFactory, ProjectFactory, make_invitation

    red = ProjectFactory.create(
        primary_space=space, slug="a11y-rot", health="red", health_reason="Vergabe verzögert"
    )
    Milestone.objects.create(project=red, title="Konzept", due=dt.date(2024, 5, 1))
    MembershipFactory(
        space=space,
        person=ExternalPersonFactory(),
        role=Membership.Role.GUEST,
        until=timezone.localdate() + dt.timedelta(days=5),
    )
    make_invitation(space=space, invited_by=coordinator)


def _sign_in(page, live_server, user: User, *, second_factor: bool) -> None:
    page.goto(live_server.url + "/accounts/logout/")
    if page.locator("main form button[type=submit]").count():
        page.click("main form button[type=submit]")
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    if second_factor:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.fill("#id_code", totp_code())
        page.get_by_role("button", name="Anmeldung").click()
    page.wait_for_url("**/dashboard/")


@pytest.mark.django_db(transaction=True)
def test_every_roles_dashboard_has_no_detectable_wcag_violations(reference_data, live_server, page):
    """The dashboards per role (issue 11, point 2), each with content in every section."""
    from contacts.models import Authority

    from .factories import (
        DigitalOfficerFactory,
        ExternalPersonFactory,
        ProjectFactory,
        make_meeting,
    )

    space = Space.objects.get(slug="mobilitaet-energie")
    bvm = Authority.objects.get(code="BVM")
    officer = PersonFactory(user__email="a11y.officer@example.org", authority=bvm)
    DigitalOfficerFactory(person=officer, authority=bvm)
    member = MembershipFactory(space=space).person
    guest = MembershipFactory(
        space=space, person=ExternalPersonFactory(), role=Membership.Role.GUEST
    ).person
    staff = PersonFactory(user__email="a11y.staff@example.org", authority=bvm)
    _needs_attention(space, officer.user)
    ProjectFactory(primary_space=space, slug="a11y-ohne-budget", lead_authority=bvm)
    make_meeting(space=space, invitees=[member, guest], title="Jour fixe")
    found: dict[str, list[str]] = {}
    for name, person, second_factor in (
        ("officer", officer, True),
        ("member", member, False),
        ("guest", guest, False),
        ("other staff", staff, False),
    ):
        if second_factor:
            enrol_mfa(person.user)
        _sign_in(page, live_server, person.user, second_factor=second_factor)
        page.goto(live_server.url + "/dashboard/")
        if problems := _violations(page):
            found[f"{name} /dashboard/"] = problems
    assert not found, "\n".join(f"{k}: {v}" for k, v in found.items())


THREAD_PAGE = 6  # the index of the thread's page in _discussion_pages


def _discussion_pages(user: User, space: Space) -> list[str]:
    """A thread with Markdown, a mention, an edited and a hidden post; a project thread."""
    from discussions import services

    from .factories import AuthorityFactory, ProjectFactory

    other = MembershipFactory.create(space=space).person.user
    thread = services.thread_start(
        actor=user,
        where=space,
        title="Ladesäulen im Bezirk",
        body="# Stand\n\n**Wer** hat _Zahlen_? [Quelle](https://example.org)\n\n- eins\n- zwei",
    )
    opening = thread.posts.get()
    services.post_edit(actor=user, post=opening, body="Wer hat **neue** Zahlen?")
    handle = f"@{other.first_name.lower()}.{other.last_name.lower()}"
    reply = services.post_reply(actor=user, thread=thread, body=f"{handle}, bitte prüfen")
    services.post_hide(actor=user, post=reply, reason="Doppelt")
    # Factories with get_or_create: the transactional test may run after the reference data went.
    project = ProjectFactory.create(
        slug="a11y-projekt", primary_space=space, lead_authority=AuthorityFactory(code="BVM")
    )
    services.thread_start(actor=user, where=project, title="Vergabe", body="Stand?")
    return [
        f"/spaces/{space.slug}/discussions/",
        f"/spaces/{space.slug}/discussions/new/",
        f"/projects/{project.slug}/discussions/",
        f"/projects/{project.slug}/",
        f"/discussions/posts/{opening.pk}/edit/",
        f"/discussions/posts/{opening.pk}/history/",
        f"/discussions/{thread.pk}/",
        f"/discussions/{thread.pk}/hide/",
        f"/discussions/posts/{reply.pk}/hide/",
    ]


@pytest.mark.django_db
def test_the_check_reports_what_it_finds_on_the_first_page_and_on_later_ones(page):
    """The check is not silent: a nameless image and link are reported on the page that brings
    axe in and on a later page of the same context, where axe comes with the page."""
    bad = "<!doctype html><html lang=de><title>T</title><main><img src=a.png><a href=/x></a></main>"
    page.set_content(bad)
    first = _violations(page)
    page.goto("data:text/html," + bad.replace("#", "%23"))
    assert page.evaluate("typeof window.axe === 'object'"), "axe did not come with the page"
    later = _violations(page)
    for found in (first, later):
        assert [v.split(" ")[0] for v in found] == ["image-alt", "link-name"], found
    page.set_content("<!doctype html><html lang=de><title>T</title><main><h1>Gut</h1></main>")
    assert _violations(page) == []
