"""Phone and zoom (issue 22, point 4) in Chromium at 320 px: the budget and milestone editors
reflow into one card per line (no sideways scrolling, every field under a visible label, a bad
value answered at its field with nothing saved), in German and English; the header folds
behind a menu button; the enforced second-factor enrolment offers only what it lets through."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from django.urls import resolve

from access.middleware import MFA_OPEN_VIEWS
from contacts.models import Authority
from projects.models import BudgetLine, Milestone
from spaces.models import Space

from .factories import PASSWORD, ProjectFactory, budget_line
from .test_accessibility import _violations
from .test_e2e_browser import CHROMIUM
from .test_e2e_suite import NARROW, SIDEWAYS, _context, _signed_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

ENROL = "/accounts/2fa/totp/activate/"

# The editable fields of a page's main form that have no visible label: a label counts when it
# is rendered with a size (not clipped to 1 px by .visually-hidden) and not hidden.
UNLABELLED = """() => {
  const shown = el => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden"
      && style.clip !== "rect(0px, 0px, 0px, 0px)";
  };
  return [...document.querySelectorAll(
      "main form[method=post] input:not([type=hidden]), main form[method=post] select, "
      + "main form[method=post] textarea")]
    .filter(field => shown(field))
    .filter(field => ![...field.labels].some(shown))
    .map(field => field.id || field.name);
}"""


@pytest.fixture
def browser(fresh_contexts):
    """The module's Chromium (tests/conftest.py); the contexts a test opens are closed after it."""
    return fresh_contexts


@pytest.fixture
def project(reference_data, officer) -> Any:
    """A project of the officer's authority with one budget line and one milestone."""
    project = ProjectFactory.create(
        slug="phone-ladenetz",
        title="Ladenetz in den Bezirken",
        primary_space=Space.objects.get(slug="mobilitaet-energie"),
        lead_authority=Authority.objects.get(code="BVM"),
    )
    budget_line(project, category="sach", planned=120000, revised=120000, actual=45000)
    Milestone.objects.create(project=project, title="Konzept", due=dt.date(2026, 5, 1))
    return project


def _error_beside(page, field_id: str) -> str:
    """The error shown for a field: in the same cell or field box, named by aria-describedby."""
    field = page.locator(f"#{field_id}")
    error = page.locator(f"#{field_id}_error")
    assert error.is_visible(), f"no error shown at {field_id}"
    assert f"{field_id}_error" in (field.get_attribute("aria-describedby") or "").split()
    same_box = page.evaluate(
        """([f, e]) => {
          const field = document.getElementById(f), error = document.getElementById(e);
          const box = field.closest("td, .portal-stack-field, .kern-form-input");
          return box !== null && box.contains(error);
        }""",
        [field_id, f"{field_id}_error"],
    )
    assert same_box, f"the error of {field_id} is not next to it"
    return error.inner_text()


def _menu_folds_and_unfolds(page) -> None:
    button = page.locator("[data-menu-button]")
    nav = page.locator(".portal-nav")
    assert button.is_visible()
    assert button.get_attribute("aria-controls") == "portal-menu"
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert nav.is_visible()
    assert int(page.evaluate(SIDEWAYS)) <= 0, "the open menu scrolls sideways"
    page.keyboard.press("Escape")
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-menu-button')")
    button.click()
    button.click()
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "save", "bad_amount", "no_title"),
    [
        ("de", "Alle Zeilen speichern", "Bitte geben Sie einen", "Bitte einen Titel angeben."),
        ("en", "Save all lines", "Please enter an amount", "Please enter a title."),
    ],
    ids=["de", "en"],
)
def test_the_editors_fit_320_px_with_labels_and_errors_at_the_field(
    language, save, bad_amount, no_title, project, officer, live_server, browser
):
    base = live_server.url
    context = _context(browser, _signed_in(browser, base, officer), viewport=NARROW)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    line = BudgetLine.objects.get(project=project)

    page.goto(f"{base}/projects/{project.slug}/budget/?year={line.fiscal_year.year}")
    assert page.locator("html").get_attribute("lang") == language
    assert int(page.evaluate(SIDEWAYS)) <= 0
    assert page.evaluate(UNLABELLED) == []
    _menu_folds_and_unfolds(page)
    _glossary_links_stay_in_card_mode(page, base)
    page.fill("#id_lines-0-planned", "zwölf")
    with page.expect_navigation():
        page.get_by_role("button", name=save).click()
    assert bad_amount in _error_beside(page, "id_lines-0-planned")
    assert int(page.evaluate(SIDEWAYS)) <= 0
    assert _violations(page) == []  # the cards, their labels and errors, as axe reads them
    line.refresh_from_db()
    assert line.planned == Decimal("120000")

    page.goto(f"{base}/projects/{project.slug}/milestones/")
    assert int(page.evaluate(SIDEWAYS)) <= 0
    assert page.evaluate(UNLABELLED) == []
    page.fill("#id_milestones-0-title", "")
    with page.expect_navigation():
        page.locator("main form[method=post] .portal-actions button[type=submit]").click()
    assert no_title in _error_beside(page, "id_milestones-0-title")
    assert int(page.evaluate(SIDEWAYS)) <= 0
    page.locator("[data-menu-button]").click()
    assert _violations(page) == []  # with the menu open
    assert Milestone.objects.get(project=project).title == "Konzept"
    context.close()


BUDGET_TERMS = (
    "kostenart",
    "finanzierungsquelle",
    "vzae",
    "entgeltgruppe",
    "plan",
    "fortgeschriebener-plan",
    "gebunden",
    "ist",
)


def _glossary_links_stay_in_card_mode(page, base: str) -> None:
    """The cards have no column headers and so none of their "?" links: every term of the
    headers is linked by name above the cards, to an entry the glossary has; at 1280 px the
    headers' links are shown and the names are not (nothing twice)."""
    names = page.locator("[data-budget-glossary]")
    assert names.is_visible()
    for term in BUDGET_TERMS:
        assert names.locator(f'a[href$="#{term}"]').is_visible(), term
    assert not page.locator("thead .portal-glossary-link").first.is_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not names.is_visible()
    assert page.locator("thead .portal-glossary-link").first.is_visible()
    page.set_viewport_size(NARROW)
    glossary = page.context.new_page()
    glossary.goto(f"{base}/help/glossary/")
    for term in BUDGET_TERMS:
        assert glossary.locator(f"[id='{term}']").count() == 1, term
    glossary.close()


@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_header_shows_its_navigation_at_320_px(
    reference_data, live_server, browser
):
    context = _context(browser, viewport=NARROW, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert not page.locator("[data-menu-button]").is_visible()
    assert page.locator(".portal-nav").is_visible()
    assert int(page.evaluate(SIDEWAYS)) <= 0
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_enrolment_offers_only_what_it_lets_through(coordinator, live_server, browser):
    """A coordinator without a second factor signs in: the header and footer of the enrolment
    link only to pages the middleware opens (each answers without a redirect to the
    enrolment), and the main navigation is not there."""
    Authenticator.objects.filter(user=coordinator).delete()
    base = live_server.url
    context = _context(browser, viewport=NARROW)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_login", coordinator.email)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(base + ENROL)
    assert page.locator("nav[aria-label=Hauptnavigation]").count() == 0
    assert page.locator(".portal-brand").get_attribute("href") is None

    links = page.eval_on_selector_all(
        "header a[href], footer a[href]", "els => els.map(a => a.href)"
    )
    actions = page.eval_on_selector_all(
        "header form[action], footer form[action]", "els => els.map(f => f.action)"
    )
    paths = {urlsplit(t).path for t in links if t.startswith(base)}
    assert {"/help/", "/privacy/", "/accessibility/"} <= paths, paths
    assert {urlsplit(a).path for a in actions} == {"/i18n/setlang/", "/accounts/logout/"}
    for path in paths | {urlsplit(a).path for a in actions}:
        assert resolve(path).view_name in MFA_OPEN_VIEWS, path
    blocked = []
    for path in sorted(paths):
        response = page.request.get(base + path, max_redirects=0)
        if response.status != 200:
            blocked.append(f"{path}: {response.status} {response.headers.get('location', '')}")
    assert blocked == []
    # The language switch works from the enrolment (behind the menu button at 320 px) and
    # leads back to it.
    page.locator("[data-menu-button]").click()
    page.select_option("#language-select", "en")
    with page.expect_navigation(url=base + ENROL):
        page.locator("form.portal-language button[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert int(page.evaluate(SIDEWAYS)) <= 0
    context.close()
