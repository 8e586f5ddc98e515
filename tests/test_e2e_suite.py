"""The browser suite (issue 11, point 5): for every role, every page reachable from the
navigation in Chromium, with the Nu HTML Checker (valid HTML: no error), axe-core (WCAG 2.0/2.1
A and AA), at 320 px and at 200 % zoom; and
the keyboard checks axe cannot make (skip link, Tab order without a trap, visible focus, errors
announced and linked, actions operable with Enter and Space). Screenshots of each role's main
pages go to var/screenshots/ (or SCREENSHOTS_DIR); docs/screenshots/ holds a committed selection
that the README shows."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from contacts.models import Authority
from core.audiences import Viewer
from spaces.models import Membership, Space

from .conftest import client_for, enrol_mfa_if_required, totp_code
from .factories import (
    PASSWORD,
    ExternalPersonFactory,
    MembershipFactory,
    ProjectFactory,
    budget_line,
    make_meeting,
)
from .test_accessibility import _violations
from .test_e2e_browser import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

ROLES = ("anonymous", "guest", "member", "outsider", "officer", "coordinator", "itd")
# A run writes here (ignored by git); copy a selection to docs/screenshots/ to update the README.
SCREENSHOTS = Path(
    os.environ.get(
        "SCREENSHOTS_DIR", Path(__file__).resolve().parent.parent / "var" / "screenshots"
    )
)
# Links the crawl does not follow: signing out, files to download, Django's admin (the ITD's
# back office, not the portal's pages), and the API's addresses under /api/v1/ (JSON, and the
# schema's viewer, Swagger UI, which is a third party's; the API's guide at /api/ is crawled).
NOT_FOLLOWED = (
    "/accounts/logout/",
    "/admin/",
    "/download",
    "/export",
    ".xlsx",
    ".pdf",
    ".ics",
    "/api/v1/",
)
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 800}
ZOOMED = {"width": 640, "height": 450}  # 1280 x 900 device pixels at 200 %


@pytest.fixture
def browser(fresh_contexts):
    """The module's Chromium (tests/conftest.py); the contexts a test opens are closed after it."""
    return fresh_contexts


@pytest.fixture
def world(reference_data, itd, coordinator, officer, member, outsider) -> dict[str, Any]:
    """A space with a coordinator, a member, an officer, a guest; other staff and ITD; a project
    with budget lines and milestones; a meeting, a thread and a document in the space."""
    from discussions import services as discussions
    from documents import services as documents
    from documents.demo import tiny_pdf
    from projects.models import Milestone

    space = Space.objects.get(slug="mobilitaet-energie")
    guest = ExternalPersonFactory(
        user__email="suite.guest@test.example.org", user__last_name="Gastperson"
    )
    MembershipFactory(person=guest, space=space, role=Membership.Role.GUEST)
    project = ProjectFactory.create(
        slug="e2e-ladenetz",
        title="Ladenetz in den Bezirken",
        primary_space=space,
        lead_authority=Authority.objects.get(code="BVM"),
    )
    for category, planned, actual in (("sach", 120000, 45000), ("personal", 80000, 20000)):
        budget_line(project, category=category, planned=planned, revised=planned, actual=actual)
    Milestone.objects.create(project=project, title="Konzept", due=dt.date(2024, 5, 1))
    Milestone.objects.create(
        project=project, title="Ausschreibung", due=timezone.localdate() + dt.timedelta(days=40)
    )
    make_meeting(
        space=space,
        invitees=[coordinator, member, officer, guest],
        title="Jour fixe Ladenetz",
        agenda="1. Stand\n2. Termine",
    )
    thread = discussions.thread_start(
        actor=coordinator, where=space, title="Ladesäulen im Bezirk", body="Wer hat **Zahlen**?"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    documents.document_create(
        actor=coordinator,
        container=space,
        title="Protokoll März",
        upload=SimpleUploadedFile("protokoll.pdf", tiny_pdf("Protokoll")),
    )
    users = {
        "anonymous": None,
        "guest": guest.user,
        "member": member,
        "outsider": outsider,
        "officer": officer,
        "coordinator": coordinator,
        "itd": itd,
    }
    return {"users": users, "space": space, "project": project, "thread": thread}


def _context(browser, storage_state=None, **options):
    options.setdefault("viewport", WIDE)
    return browser.new_context(locale="de-DE", storage_state=storage_state, **options)


def _signed_in(browser, base: str, user: Viewer, *, by_form: bool = False) -> Any:
    """The role's storage state (None for the anonymous visitor): a session made on the server
    (`client_for`, second factor enrolled) and given to the browser as its cookie; by_form=True
    signs in through the form with password and code, as a person does (the navigation crawl
    does so for every role; elsewhere it cost 1.2 s a test for what is not being tested)."""
    if user is None or not user.is_authenticated:
        return None
    if not by_form:
        session = client_for(user).cookies[settings.SESSION_COOKIE_NAME]
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": session.value,
            "domain": urlsplit(base).hostname,
            "path": "/",
            "expires": -1,
            "httpOnly": True,
            "secure": False,
            "sameSite": "Lax",
        }
        return {"cookies": [cookie], "origins": []}
    from contacts.security import mfa_required

    enrol_mfa_if_required(user)
    context = _context(browser)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", user.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    if mfa_required(user):
        page.wait_for_url(f"{base}/accounts/2fa/authenticate/")
        page.fill("#id_code", totp_code())
        page.get_by_role("button", name="Anmeldung").click()
    page.wait_for_url(f"{base}/dashboard/")
    state = context.storage_state()
    context.close()
    return state


def _links(page, base: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}" != base or any(n in url.path for n in NOT_FOLLOWED):
            continue
        paths.append(url.path + (f"?{url.query}" if url.query else ""))
    return paths


def _pages(page, base: str, signed_in: bool) -> list[str]:
    """The header's navigation links and the dashboard's (or the start page's) links."""
    start = "/dashboard/" if signed_in else "/"
    page.goto(base + start)
    found = [start, *_links(page, base, "header a[href]"), *_links(page, base, "main a[href]")]
    return list(dict.fromkeys(found))


SIDEWAYS = "document.documentElement.scrollWidth - window.innerWidth"


def _overflow_at(page, viewport: dict[str, int]) -> int:
    """How far the loaded page scrolls sideways at another window size. Resizing lays the page
    out anew under the other media queries (the portal's scripts read no window size), so each
    page is loaded once for every width; 200 % zoom is 1280 x 900 device pixels as 640 x 450
    CSS pixels, the layout Chromium gives a zoomed window."""
    page.set_viewport_size(viewport)
    return int(page.evaluate(SIDEWAYS))


def _main_pages(world: dict[str, Any], role: str) -> dict[str, str]:
    space, project = world["space"], world["project"]
    pages = {
        "dashboard": "/dashboard/" if role != "anonymous" else "/",
        "space": f"/spaces/{space.slug}/",
        "project": f"/projects/{project.slug}/",
        "search": "/search/?q=Ladenetz",
    }
    if role == "anonymous":
        del pages["project"]  # an internal project: not for the public
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_navigation_is_accessible_and_fits(
    role, world, live_server, browser, html_checker
):
    base = live_server.url
    state = _signed_in(browser, base, world["users"][role], by_form=True)
    problems: dict[str, list[str]] = {
        "status": [],
        "html": [],
        "axe": [],
        "320 px": [],
        "200 %": [],
    }

    wide = _context(browser, state)
    page = wide.new_page()
    paths = _pages(page, base, signed_in=state is not None)
    assert len(paths) >= 5, paths
    for path in paths:
        response = page.goto(base + path)
        assert response is not None
        if response.status != 200:
            problems["status"].append(f"{path}: {response.status}")
            continue
        problems["html"] += [f"{path}: {error}" for error in html_checker(response.text())]
        if found := _violations(page):
            problems["axe"].append(f"{path}: {found}")
        if (overflow := _overflow_at(page, NARROW)) > 0:
            problems["320 px"].append(f"{path}: {overflow} px too wide")
        if (overflow := _overflow_at(page, ZOOMED)) > 0:
            problems["200 %"].append(f"{path}: {overflow} px too wide")
        if not page.locator("main h1").first.is_visible():
            problems["200 %"].append(f"{path}: the main heading is not visible")
        page.set_viewport_size(WIDE)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in _main_pages(world, role).items():
        page.goto(base + path)
        page.screenshot(path=str(SCREENSHOTS / f"{role}-{name}.png"))
    wide.close()
    found = {k: v for k, v in problems.items() if v}
    assert not found, "\n".join(f"{role} {k}: {line}" for k, v in found.items() for line in v)


# --- English -----------------------------------------------------------------------------------

# Words of the portal's own German that an English page must not show (the people's own texts,
# such as the titles of this world's project and thread, may stay German).
GERMAN_UI = (
    "Ampel",
    "Behörde für",
    "Bezirksamt",
    "Sachkosten",
    "Personalkosten",
    "Haushaltsjahr",
    "Speichern",
    "Abbrechen",
    "Übersicht",
    "Zurück",
    "Anmelden",
    "Mitglieder",
)
EDITORS = {"officer", "coordinator", "itd"}  # edit the project
BUDGETERS = {"officer", "itd"}  # and its budget (a coordinator sees it, the officer keeps it)


def _english_pages(world: dict[str, Any], role: str) -> list[str]:
    pages = [*_main_pages(world, role).values(), "/help/", "/help/glossary/"]
    if role == "anonymous":
        # Leichte Sprache and DGS (issue 22): the chrome in English, the texts in German.
        pages += ["/leichte-sprache/", "/gebaerdensprache/"]
    if role != "anonymous":
        pages.append("/my-profile/")
    if role in EDITORS:
        slug = world["project"].slug
        pages.append(f"/projects/{slug}/edit/")
    if role in BUDGETERS:
        pages.append(f"/projects/{world['project'].slug}/budget/")
    return pages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_read_english_pass_axe_and_fit_320_px_in_english(
    role, world, live_server, browser, html_checker
):
    """The language switch's other half: the same main pages in English, at 1280 px with axe
    and at 320 px without sideways scrolling (English words are longer), and none of the
    portal's own German left on them."""
    base = live_server.url
    state = _signed_in(browser, base, world["users"][role])
    problems: list[str] = []
    context = _context(browser, state, viewport=WIDE)
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    for path in _english_pages(world, role):
        response = page.goto(base + path)
        assert response is not None
        if response.status != 200:
            problems.append(f"{path}: {response.status}")
            continue
        problems += [f"{path}: HTML {error}" for error in html_checker(response.text())]
        if page.get_attribute("html", "lang") != "en":
            problems.append(f"{path}: not in English")
        problems += [f"{path}: axe {v}" for v in _violations(page)]
        text = page.inner_text("body")
        problems += [f"{path}: says {w!r}" for w in GERMAN_UI if w in text]
        if (overflow := _overflow_at(page, NARROW)) > 0:
            problems.append(f"{path}: {overflow} px too wide at 320 px")
        page.set_viewport_size(WIDE)
    context.close()
    assert not problems, "\n".join(f"{role}: {line}" for line in problems)


# --- Keyboard ----------------------------------------------------------------------------------

# Every element the Tab key should reach, visible, in document order.
FOCUSABLE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [tabindex]:not([tabindex="-1"])';
  // A group of radio buttons is one Tab stop (the arrow keys move within it): its checked
  // button, or its first one when none is checked.
  const stop = el => {
    if (el.type !== 'radio') return true;
    const group = [...document.querySelectorAll(`input[type=radio][name="${el.name}"]`)];
    return el === (group.find(r => r.checked) || group[0]);
  };
  return [...document.querySelectorAll(selector)].filter(el => {
    if (el.disabled || el.closest('[inert]') || !stop(el)) return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    return (box.width > 0 && box.height > 0) || el.classList.contains('skip-link');
  });
}"""

MARK_AND_MEASURE = f"""() => {{
  const look = el => [getComputedStyle(el), getComputedStyle(el, '::after')]
    .map(s => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|')).join('/');
  const els = ({FOCUSABLE})();
  els.forEach((el, i) => {{ el.dataset.tabIndexE2e = i; el.dataset.unfocusedLook = look(el); }});
  return els.length;
}}"""

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  // The element's own ring, or its ::after's (KERN's stretched links ring the whole card).
  const styles = [getComputedStyle(el), getComputedStyle(el, '::after')];
  const look = styles
    .map(s => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join('|')).join('/');
  const visible = styles.some(s => (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
    || s.boxShadow !== 'none');
  return {index: el.dataset.tabIndexE2e ?? null, tag: el.outerHTML.slice(0, 80),
          segments: ['date', 'datetime-local', 'time', 'month', 'week'].includes(el.type),
          changed: look !== el.dataset.unfocusedLook && visible};
}"""


def _walk(page) -> list[str]:
    """Tab from the top through the page: every focusable element once, in order, each with a
    visible focus indicator, and then out of the page (no trap)."""
    total = page.evaluate(MARK_AND_MEASURE)
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    problems: list[str] = []
    seen: list[int] = []
    # A date field takes a Tab for each of its parts (day, month, year).
    dates = page.evaluate(
        "() => document.querySelectorAll('input[type=date], input[type=datetime-local]').length"
    )
    for _ in range(total + 2 + 4 * dates):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            break  # out of the document: to the address bar
        if focused["index"] is None:
            problems.append(f"reached an element not in the list: {focused['tag']}")
            continue
        index = int(focused["index"])
        if seen and index == seen[-1] and focused["segments"]:
            continue  # the day, month and year of a date field: Tab stops in each
        if index in seen:
            if index == seen[0] and len(seen) == total:
                break  # every element once, then round to the top: the walk is complete
            problems.append(f"focus came back to {focused['tag']} (trap or loop)")
            break
        if seen and index < seen[-1]:
            problems.append(f"out of order: {focused['tag']}")
        if not focused["changed"]:
            problems.append(f"no visible focus: {focused['tag']}")
        seen.append(index)
    else:
        problems.append(f"{total + 2 + 4 * dates} Tabs did not leave the page")
    if len(seen) != total:
        problems.append(f"Tab reached {len(seen)} of {total} focusable elements")
    return problems


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_the_main_pages_work_with_the_keyboard_alone(role, world, live_server, browser):
    base = live_server.url
    state = _signed_in(browser, base, world["users"][role])
    context = _context(browser, state)
    page = context.new_page()
    problems: list[str] = []
    for path in _main_pages(world, role).values():
        page.goto(base + path)
        page.keyboard.press("Tab")
        if not page.evaluate("document.activeElement.classList.contains('skip-link')"):
            problems.append(f"{path}: the first Tab stop is not the skip link")
        page.keyboard.press("Enter")
        if page.evaluate("document.activeElement.id") != "main":
            problems.append(f"{path}: the skip link does not move focus to main")
        page.goto(base + path)
        problems += [f"{path}: {p}" for p in _walk(page)]
    context.close()
    assert not problems, "\n".join(f"{role} {p}" for p in problems)


def _assert_errors_announced_and_linked(page) -> None:
    alert = page.locator("main [role=alert], main [aria-live]")
    assert alert.count() >= 1
    assert any(alert.nth(i).inner_text().strip() for i in range(alert.count()))
    invalid = page.locator("main [aria-invalid=true]")
    assert invalid.count() >= 1
    for i in range(invalid.count()):
        described = (invalid.nth(i).get_attribute("aria-describedby") or "").split()
        texts = [page.locator(f"[id='{ref}']").inner_text().strip() for ref in described]
        assert any(texts), invalid.nth(i).evaluate("el => el.outerHTML")


FORMS = {
    "coordinator": (
        ("/spaces/{space}/members/add/", "Hinzufügen"),
        ("/spaces/{space}/discussions/new/", None),
        ("/spaces/{space}/meetings/new/", "Speichern"),
    ),
    "member": (("/spaces/{space}/discussions/new/", None),),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", FORMS)
def test_form_errors_are_announced_and_linked_to_their_fields(role, world, live_server, browser):
    base = live_server.url
    state = _signed_in(browser, base, world["users"][role])
    context = _context(browser, state)
    page = context.new_page()
    # The browser's own checks (required) are left out: the portal's answer is under test.
    for pattern, button in FORMS[role]:
        path = pattern.format(space=world["space"].slug)
        page.goto(base + path)
        page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        submit = (
            page.get_by_role("button", name=button)
            if button
            else page.locator("main form button[type=submit]").last
        )
        submit.focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")  # submitted with the keyboard
        _assert_errors_announced_and_linked(page)
    context.close()


@pytest.mark.django_db(transaction=True)
def test_actions_are_operable_with_enter_and_space(world, live_server, browser):
    base = live_server.url
    state = _signed_in(browser, base, world["users"]["member"])
    context = _context(browser, state)
    page = context.new_page()
    # The language select and its button.
    page.goto(base + "/dashboard/")
    page.focus("#language-select")
    page.keyboard.press("ArrowDown")
    assert page.eval_on_selector("#language-select", "el => el.value") == "en"
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("html").get_attribute("lang") == "en"
    page.focus("#language-select")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Space")
    assert page.locator("html").get_attribute("lang") == "de"
    # A details/summary opens and closes with Enter and Space.
    page.goto(base + f"/discussions/{world['thread'].pk}/")
    summary = page.locator("main details summary").first
    summary.focus()
    page.keyboard.press("Enter")
    assert summary.evaluate("el => el.parentElement.open")
    page.keyboard.press("Space")
    assert not summary.evaluate("el => el.parentElement.open")
    # A submit button with Space: the search.
    page.goto(base + "/search/")
    page.fill("main input[name=q]", "Ladenetz")
    page.locator("main form button[type=submit]").first.focus()
    page.keyboard.press("Space")
    page.wait_for_url("**/search/?*q=Ladenetz*")
    assert "Jour fixe Ladenetz" in " ".join(page.locator("main").inner_text().split())
    context.close()


def test_the_keyboard_walk_finds_invisible_focus_disorder_and_traps(browser):
    """The walk can fail: a page without a focus ring, with a positive tabindex and a trap."""
    context = _context(browser)
    page = context.new_page()
    page.set_content(
        "<style>a:focus, a:focus-visible { outline: none; }</style>"
        '<a href="#one">one</a> <a href="#two" tabindex="2">two</a>'
    )
    problems = _walk(page)
    assert any(p.startswith("no visible focus") for p in problems), problems
    assert any(p.startswith("out of order") for p in problems), problems
    page.set_content(
        '<button>a</button> <button id="trap">b</button> <button>c</button>'
        "<script>document.getElementById('trap').addEventListener('keydown', e => {"
        " if (e.key === 'Tab') e.preventDefault(); });</script>"
    )
    problems = _walk(page)
    assert any("did not leave the page" in p or "came back" in p for p in problems), problems
    context.close()
