"""The strategy in a real browser (issue 17): a reporting round from opening to the freeze as
ITD, an officer and a coordinator do it, with the comparison to the round before; and every
strategy page through axe (WCAG 2.1 AA), at 320 px and with the keyboard alone, in German and
English."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from pypdf import PdfReader

from contacts.models import Authority
from core import pdf
from core.dates import today
from core.money import format_euro
from strategy import services
from strategy.models import Round, Submission

from .factories import ProjectFactory, budget_line, strategy_tree
from .test_accessibility import _violations
from .test_e2e_browser import CHROMIUM
from .test_e2e_suite import NARROW, WIDE, _context, _overflow_at, _signed_in, _walk
from .test_e2e_suite import browser as browser  # noqa: F401 - the module's Chromium fixture

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (make browser)"),
]


@pytest.fixture
def strategy_world(reference_data, itd, coordinator, officer, member, space) -> dict[str, Any]:
    """A goal of the coordinator's space with a measure the officer's authority leads (the
    officer responsible), a frozen round before and nothing open yet."""
    authority = Authority.objects.get(code="BVM")
    project = ProjectFactory(primary_space=space, lead_authority=authority, title="Ampeln online")
    budget_line(
        project, planned=Decimal("120000.50"), revised=Decimal("125000"), actual=Decimal("45000.25")
    )
    goal, measure, indicators = strategy_tree(
        space=space, authority=authority, responsible=officer.person, projects=[project]
    )
    earlier = services.round_open(
        actor=itd,
        name="Berichtsrunde vorher",
        period_start=today() - dt.timedelta(days=200),
        period_end=today() - dt.timedelta(days=100),
        deadline=today() - dt.timedelta(days=90),
        spaces=[space],
    )
    services.submission_save(
        actor=officer,
        submission=Submission.objects.get(round=earlier, measure=measure),
        rating="limited",
        light="red",
        text="Ausschreibung verzögert.",
        submit=True,
    )
    services.round_freeze(actor=itd, round_=earlier)
    return {"goal": goal, "measure": measure, "indicators": indicators, "earlier": earlier}


@pytest.mark.django_db(transaction=True)
def test_a_round_from_opening_to_the_freeze_in_the_browser(
    strategy_world, itd, coordinator, officer, space, live_server, browser
):
    base = live_server.url
    measure, (_of_goal, indicator) = strategy_world["measure"], strategy_world["indicators"]
    as_itd = _context(browser, _signed_in(browser, base, itd)).new_page()
    as_officer = _context(browser, _signed_in(browser, base, officer)).new_page()
    as_coordinator = _context(browser, _signed_in(browser, base, coordinator)).new_page()

    # ITD opens the round for the space.
    as_itd.goto(f"{base}/strategy/rounds/")
    as_itd.get_by_role("link", name="Berichtsrunde eröffnen").click()
    as_itd.fill("#id_name", "Berichtsrunde im Browser")
    as_itd.fill("#id_period_start", (today() - dt.timedelta(days=30)).isoformat())
    as_itd.fill("#id_period_end", today().isoformat())
    as_itd.fill("#id_deadline", (today() + dt.timedelta(days=10)).isoformat())
    as_itd.get_by_label("Mobilität & Energie").check()
    with as_itd.expect_navigation(url=f"{base}/strategy/rounds/*/"):
        as_itd.get_by_role("button", name="Speichern").click()
    round_ = Round.objects.get(name="Berichtsrunde im Browser")
    assert as_itd.url == f"{base}/strategy/rounds/{round_.pk}/"
    submission = Submission.objects.get(round=round_, measure=measure)

    # The officer finds the report on the dashboard and submits it.
    as_officer.goto(f"{base}/dashboard/")
    with as_officer.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_officer.locator("[data-attention-reports] a").first.click()
    as_officer.select_option("#id_rating", "substantial")
    as_officer.select_option("#id_light", "amber")
    as_officer.fill("#id_text", "Pilot in zwei Bezirken gestartet.")
    as_officer.fill(f"#id_value_{indicator.pk}", "38,5")
    as_officer.fill(f"#id_on_{indicator.pk}", today().isoformat())
    with as_officer.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_officer.get_by_role("button", name="Einreichen").click()
    assert Submission.objects.get(pk=submission.pk).status == "submitted"

    # ITD returns it with a comment; the officer corrects and submits again.
    as_itd.goto(f"{base}/strategy/submissions/{submission.pk}/")
    as_itd.get_by_label("zur Korrektur zurückgeben").check()
    as_itd.fill("#id_comment", "Bitte die Quelle der Zahl nennen.")
    with as_itd.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_itd.get_by_role("button", name="Entscheidung speichern").click()
    assert Submission.objects.get(pk=submission.pk).status == "returned"
    as_officer.reload()
    assert as_officer.get_by_text("Bitte die Quelle der Zahl nennen.").is_visible()
    as_officer.fill(f"#id_comment_{indicator.pk}", "Quelle: Verkehrsleitzentrale")
    with as_officer.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_officer.get_by_role("button", name="Einreichen").click()
    assert Submission.objects.get(pk=submission.pk).status == "submitted"

    # The coordinator reviews the space's report and adds a note.
    as_coordinator.goto(f"{base}/strategy/submissions/{submission.pk}/")
    as_coordinator.fill("#id_note", "Plausibel, mit dem Raum abgestimmt.")
    with as_coordinator.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_coordinator.get_by_role("button", name="Anmerkung speichern").click()

    # ITD accepts with a differing rating and freezes the round.
    as_itd.goto(f"{base}/strategy/submissions/{submission.pk}/")
    assert as_itd.get_by_text("Plausibel, mit dem Raum abgestimmt.").is_visible()
    as_itd.get_by_label("annehmen").check()
    as_itd.select_option("#id_itd_rating", "limited")
    with as_itd.expect_navigation(url=f"{base}/strategy/submissions/{submission.pk}/"):
        as_itd.get_by_role("button", name="Entscheidung speichern").click()
    as_itd.goto(f"{base}/strategy/rounds/{round_.pk}/")
    assert as_itd.get_by_text("weicht ab").first.is_visible()
    as_itd.get_by_role("link", name="Berichtsrunde einfrieren").click()
    as_itd.get_by_label("Ich friere die Berichtsrunde ein").check()
    with as_itd.expect_navigation(url=f"{base}/strategy/rounds/{round_.pk}/"):
        as_itd.get_by_role("button", name="Einfrieren").click()
    frozen = Round.objects.get(pk=round_.pk)
    earlier = Round.objects.get(pk=strategy_world["earlier"].pk)
    assert frozen.is_frozen and frozen.previous_digest == earlier.digest
    assert as_itd.locator(".portal-digest").inner_text() == frozen.digest

    # The comparison with the round before names the change in words.
    with as_itd.expect_navigation():
        as_itd.get_by_role("link", name="Mit einer anderen Runde vergleichen").click()
    row = as_itd.locator(f"tr:has-text('{measure.code}')").first
    assert "besser" in row.inner_text()
    assert "begrenzt umgesetzt → weitgehend umgesetzt" in row.inner_text()
    # The indicator's page shows the accepted value and its status in words.
    as_itd.goto(f"{base}/strategy/indicators/{indicator.pk}/")
    assert as_itd.locator("[data-values]").get_by_text("38,5").is_visible()
    assert Decimal("38.5") in {v.value for v in indicator.values.all()}

    # The round report as XLSX and PDF: its figures are those of the measure's page.
    as_itd.goto(f"{base}/strategy/measures/{measure.pk}/")
    shown = {
        name: as_itd.locator(f"[data-budget] [data-figure={name}]").inner_text()
        for name in ("planned", "revised", "committed", "actual", "available")
    }
    assert shown["available"] == "79.999,75\xa0€"
    for fmt in ("xlsx", "pdf"):
        if fmt == "pdf" and pdf.missing():
            continue
        as_itd.goto(f"{base}/strategy/rounds/{round_.pk}/")
        section = as_itd.locator("[data-round-report]")
        section.get_by_label("Excel (XLSX)" if fmt == "xlsx" else "PDF").check()
        section.get_by_role("button", name="Rundenbericht anfordern").click()
        as_itd.wait_for_url(f"{base}/reports/*/")
        with as_itd.expect_download() as download:
            as_itd.get_by_role("link", name="Herunterladen", exact=True).click()
        path = download.value.path()
        if fmt == "xlsx":
            with open(path, "rb") as stream:
                book = openpyxl.load_workbook(io.BytesIO(stream.read()))
            row = next(
                r for r in book[space.name].iter_rows(values_only=True) if r[1] == measure.code
            )
            assert row[5:9] == ("weitgehend umgesetzt", "begrenzt umgesetzt", "weicht ab", "gelb")
            assert [format_euro(v) for v in row[10:15]] == list(shown.values())
        else:
            text = " ".join(p.extract_text() for p in PdfReader(path).pages)
            assert "weitgehend umgesetzt" in " ".join(text.split())
            for amount in shown.values():
                assert amount.replace("\xa0", " ") in " ".join(text.replace("\xa0", " ").split())


def _strategy_pages(world: dict[str, Any], space: Any, role: str) -> list[str]:
    goal, measure, (_g, indicator) = world["goal"], world["measure"], world["indicators"]
    pages = [
        "/strategy/",
        f"/strategy/spaces/{space.slug}/",
        f"/strategy/goals/{goal.pk}/",
        f"/strategy/measures/{measure.pk}/",
        f"/strategy/indicators/{indicator.pk}/",
    ]
    if role in ("itd", "coordinator", "officer"):
        round_ = world["open"]
        submission = Submission.objects.get(round=round_, measure=measure)
        pages += ["/strategy/rounds/", f"/strategy/rounds/{round_.pk}/"]
        pages.append(f"/strategy/submissions/{submission.pk}/")
    if role in ("itd", "coordinator"):
        pages += [
            f"/strategy/goals/{goal.pk}/edit/",
            f"/strategy/goals/{goal.pk}/indicators/new/",
            f"/strategy/measures/{measure.pk}/edit/",
        ]
    if role == "itd":
        pages += [
            "/strategy/rounds/new/",
            f"/strategy/rounds/{world['open'].pk}/freeze/",
            f"/strategy/rounds/{world['open'].pk}/compare/",
        ]
    if role == "officer":
        pages.append(f"/strategy/rounds/{world['open'].pk}/import/")
    return pages


@pytest.mark.django_db(transaction=True)
# The coordinator's pages are a subset of ITD's (the same templates, fewer buttons).
@pytest.mark.parametrize("role", ["itd", "officer", "member"])
def test_every_strategy_page_passes_axe_fits_320_px_and_works_with_the_keyboard(
    role, strategy_world, itd, coordinator, officer, member, space, live_server, browser
):
    base = live_server.url
    strategy_world["open"] = services.round_open(
        actor=itd,
        name="Offene Runde",
        period_start=today() - dt.timedelta(days=30),
        period_end=today(),
        deadline=today() + dt.timedelta(days=10),
        spaces=[space],
    )
    user = {"itd": itd, "coordinator": coordinator, "officer": officer, "member": member}[role]
    state = _signed_in(browser, base, user)
    problems: list[str] = []
    for language in ("de", "en"):
        context = _context(browser, state, viewport=WIDE)
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        for path in _strategy_pages(strategy_world, space, role):
            response = page.goto(base + path)
            assert response is not None
            where = f"{language} {path}"
            if response.status != 200:
                problems.append(f"{where}: {response.status}")
                continue
            if found := _violations(page):
                problems.append(f"{where}: {found}")
            if language == "de":  # the same elements in the same order in English
                problems += [f"{where}: {p}" for p in _walk(page)]
            if (overflow := _overflow_at(page, NARROW)) > 0:
                problems.append(f"{where}: {overflow} px too wide at 320 px")
            page.set_viewport_size(WIDE)
        context.close()
    assert not problems, "\n".join(f"{role} {p}" for p in problems)
