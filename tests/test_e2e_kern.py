"""In Chromium, issue 11 "KERN done well": the daily pages do not scroll sideways at 1280 px nor
at 320 px; a table that must stay wide scrolls inside its own focusable region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from contacts.models import Authority
from projects.models import Milestone
from spaces.models import Space

from .conftest import TEST_TOTP_SECRET
from .factories import ProjectFactory, budget_line
from .test_e2e_browser import CHROMIUM, _sign_in, browser_page  # noqa: F401 - fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# A table fits when it is no wider than the area its wrapper leaves it (nothing to scroll).
FITS = "(table) => table.parentElement.scrollWidth <= table.parentElement.clientWidth"


@pytest.fixture
def wide_project(reference_data):
    project = ProjectFactory.create(
        slug="hafenlotsen-plattform",
        title="Hafenlotsen Plattform für die Lotsenbrüderschaft Elbe",
        primary_space=Space.objects.get(slug="mobilitaet-energie"),
        lead_authority=Authority.objects.get(code="BVM"),
        start=dt.date(2025, 1, 1),
        end=dt.date(2027, 12, 31),
    )
    big = Decimal("123456789.12")
    for year, category in ((2026, "sach"), (2026, "personal"), (2025, "sach")):
        budget_line(project, year=year, category=category, planned=big, revised=big, actual=big * 2)
    Milestone.objects.create(
        project=project, title="Ausschreibung der Plattform veröffentlicht", due=dt.date(2026, 3, 1)
    )
    return project


@pytest.mark.django_db(transaction=True)
def test_daily_pages_do_not_scroll_sideways_at_1280_and_320_px_in_both_languages(
    live_server, wide_project, itd, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    _sign_in(page, base, itd.email, totp_secret=TEST_TOTP_SECRET)
    slug = wide_project.slug
    pages = {
        "project": wide_project.get_absolute_url(),
        "budget": reverse("projects:budget", kwargs={"slug": slug}) + "?year=2026",
        "milestones": reverse("projects:milestones", kwargs={"slug": slug}),
        "portfolio": reverse("projects:list"),
        "dashboard": reverse("dashboard"),
        "space": wide_project.primary_space.get_absolute_url(),
        "people": reverse("spaces:people"),
        "person": reverse("spaces:person", args=[itd.person.pk]),
        "authorities": reverse("spaces:authority_list"),
        "matrix": reverse("spaces:matrix"),
        "reports": reverse("reports:archive"),
        "security": reverse("access:account_security"),
        "e-mail": reverse("account_email"),
        "cost rates": reverse("projects:cost_rates"),
        "programme budget": reverse("projects:programme_budget"),
    }
    overflowing = []
    for language in ("de", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        for width in (1280, 320):
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in pages.items():
                page.goto(f"{base}{url}")
                assert page.get_attribute("html", "lang") == language
                extra = page.evaluate(OVERFLOW)
                if extra > 0:
                    overflowing.append(f"{name} at {width} px in {language}: {extra} px too wide")
    assert overflowing == []


@pytest.mark.django_db(transaction=True)
def test_the_budget_editor_and_the_portfolio_fit_their_area_at_1280_px(
    live_server, wide_project, itd, request: pytest.FixtureRequest
):
    """Plan, actual and available are on screen without scrolling the table."""
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    _sign_in(page, base, itd.email, totp_secret=TEST_TOTP_SECRET)
    page.set_viewport_size({"width": 1280, "height": 900})
    budget = reverse("projects:budget", kwargs={"slug": wide_project.slug}) + "?year=2026"
    for language in ("de", "en"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(f"{base}{budget}")
        assert page.evaluate(FITS, page.locator("main form table").first.element_handle())
        page.goto(f"{base}{reverse('projects:list')}")
        assert page.evaluate(FITS, page.locator("main table").first.element_handle())


@pytest.mark.django_db(transaction=True)
def test_a_wide_table_scrolls_in_a_labelled_region_reachable_with_the_keyboard(
    live_server, wide_project, itd, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    _sign_in(page, base, itd.email, totp_secret=TEST_TOTP_SECRET)
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(f"{base}{wide_project.get_absolute_url()}")
    regions = page.locator("main .portal-table-scroll")
    assert regions.count() >= 1
    for i in range(regions.count()):
        region = regions.nth(i)
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-label")
    region = page.locator("#budget-2026")
    assert page.evaluate("(el) => el.scrollWidth > el.clientWidth", region.element_handle())
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('portal-table-scroll')")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    # Chromium scrolls smoothly: wait until the region has moved (times out, failing, if never).
    page.wait_for_function("() => document.activeElement.scrollLeft > 0", timeout=5000)


@pytest.mark.django_db(transaction=True)
def test_at_320_px_a_link_leads_past_the_portfolio_filters_to_the_results(
    live_server, wide_project, itd, request: pytest.FixtureRequest
):
    page = request.getfixturevalue("browser_page")
    base = live_server.url
    _sign_in(page, base, itd.email, totp_secret=TEST_TOTP_SECRET)
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{base}{reverse('projects:list')}")
    skip = page.get_by_role("link", name="Filter überspringen, zu den Ergebnissen")
    assert skip.is_visible()
    skip.click()
    assert page.evaluate("() => document.activeElement.id") == "results"
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not skip.is_visible()  # on a wide screen the results follow the filters closely
