"""Issue 11, point 4 (rest): the audit trail, authority names, exports and money labels read in
the reader's language, while the records themselves stay in one language."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import cast

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import override

from contacts.models import Authority, User
from core.forms import MoneyField
from core.models import AuditEntry
from core.reference import fill_authority_english_names, reference
from projects import services
from projects.forms import ProgrammeBudgetForm
from projects.models import BudgetLine, CostCategory, FiscalYear, FundingSource, Project
from reports.services import generate, report_request
from spaces.models import Space

from .conftest import client_for
from .factories import ProjectFactory, budget_line

pytestmark = pytest.mark.django_db


def _page(user: User, url: str, lang: str) -> str:
    client = client_for(user)
    client.cookies["django_language"] = lang
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _trail(page: str) -> str:
    """The audit trail's table of the project page."""
    start = page.index('class="kern-list portal-changes"')
    return page[page.rindex("<table", 0, start) : page.index("</table>", start)]


@pytest.fixture
def changed_project(itd: User) -> Project:
    """A project whose health, status and lead authority ITD changed while reading English, and
    whose budget line moved from material costs to another funding source."""
    project = cast(Project, ProjectFactory(health="green", status="in_progress"))
    line = budget_line(project, planned=Decimal("100.00"))
    with override("en"):
        services.project_update(
            actor=itd,
            project=project,
            version=project.version,
            health="red",
            health_reason="Vergabe gestoppt",
            status="on_hold",
            lead_authority=Authority.objects.get(code="BSB"),
        )
        row = services.LineInput(
            category=CostCategory.objects.get(code="sach"),
            funding_source=FundingSource.objects.get(code="eigen"),
            line_id=line.pk,
            version=line.version,
            planned=Decimal("100.00"),
        )
        services.budget_lines_save(
            actor=itd, project=project, fiscal_year=FiscalYear.objects.get(year=2026), rows=[row]
        )
    project.refresh_from_db()
    return project


# --- The audit trail ----------------------------------------------------------------------------


def test_the_trail_is_written_in_german_whatever_language_the_actor_reads(changed_project):
    entry = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Project),
        object_id=str(changed_project.pk),
        action=AuditEntry.Action.UPDATE,
    ).get()
    assert entry.changes["health"] == {"old": "grün", "new": "rot"}
    assert entry.changes["status"] == {"old": "in Umsetzung", "new": "pausiert"}
    assert entry.changes["lead_authority"] == {
        "old": "Behörde für Verkehr und Mobilitätswende (BVM)",
        "new": "Behörde für Schule und Berufsbildung (BSB)",
    }
    line = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(BudgetLine),
        action=AuditEntry.Action.UPDATE,
    ).get()
    assert line.object_repr == "2026 · Sachkosten · Eigenmittel der Behörde"
    assert line.changes["funding_source"]["new"] == "Eigenmittel der Behörde"


def test_the_project_page_names_the_trails_values_in_english(itd, changed_project):
    trail = _trail(_page(itd, changed_project.get_absolute_url(), "en"))
    assert "green → red" in trail
    assert "in progress → paused" in trail
    assert (
        "Ministry of Transport and Mobility Transition (BVM) → "
        "Ministry of Schools and Vocational Training (BSB)"
    ) in trail
    assert "Budget line 2026 · Material costs · The authority&#x27;s own funds" in trail
    for german in ("grün", "rot", "pausiert", "Behörde für", "Sachkosten", "Eigenmittel"):
        assert german not in trail, german


def test_the_project_page_names_the_trails_values_in_german(itd, changed_project):
    trail = _trail(_page(itd, changed_project.get_absolute_url(), "de"))
    assert "grün → rot" in trail
    assert "in Umsetzung → pausiert" in trail
    assert "Budgetzeile 2026 · Sachkosten · Eigenmittel der Behörde" in trail
    assert "Material costs" not in trail and "Ministry" not in trail


def test_older_entries_with_codes_or_english_labels_are_named_in_the_readers_language(itd):
    project = ProjectFactory()
    AuditEntry.objects.create(
        actor_label="System",
        action=AuditEntry.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(Project),
        object_id=str(project.pk),
        object_repr=project.title,
        changes={
            "health": {"old": "green", "new": "amber"},  # codes, as the benchmark data writes
            "status": {"old": "in progress", "new": "completed"},  # English labels
            "title": {"old": "rot", "new": "grün"},  # a free text is shown as it was written
        },
    )
    trail = _trail(_page(itd, project.get_absolute_url(), "de"))
    assert "grün → gelb" in trail
    assert "in Umsetzung → abgeschlossen" in trail
    assert "rot → grün" in trail
    english = _trail(_page(itd, project.get_absolute_url(), "en"))
    assert "green → amber" in english and "in progress → completed" in english
    assert "rot → grün" in english


def test_numbers_and_yes_no_in_the_trail_follow_the_language(itd):
    project = ProjectFactory()
    AuditEntry.objects.create(
        actor_label="System",
        action=AuditEntry.Action.UPDATE,
        content_type=ContentType.objects.get_for_model(BudgetLine),
        object_id="999999",
        object_repr="2026 · Personalkosten · ITD-Strategiebudget",
        changes={
            "project_ref": project.pk,
            "fte": {"old": "1.50", "new": "2.25"},
            "planned": {"old": "1000.00", "new": "-2500.50"},
        },
    )
    german = _trail(_page(itd, project.get_absolute_url(), "de"))
    assert "1,50 → 2,25" in german
    assert "1.000,00\xa0€ → −2.500,50\xa0€" in german
    english = _trail(_page(itd, project.get_absolute_url(), "en"))
    assert "1.50 → 2.25" in english
    assert "€1,000.00 → −€2,500.50" in english
    assert "Personnel costs · ITD strategy budget" in english


def test_the_space_news_names_health_and_status_in_the_readers_language(
    itd, member, changed_project
):
    space = changed_project.primary_space
    english = _page(itd, space.get_absolute_url(), "en")
    assert f"Health of {changed_project.title}: red" in english
    german = _page(itd, space.get_absolute_url(), "de")
    assert f"Ampel von {changed_project.title}: rot" in german


# --- Authorities in English ---------------------------------------------------------------------


def test_every_reference_authority_has_an_english_name():
    codes = [a["code"] for a in reference()["authorities"]]
    codes += [u["code"] for a in reference()["authorities"] for u in a.get("units", [])]
    for authority in Authority.objects.filter(code__in=codes):
        assert authority.name_en, authority.code
        with override("en"):
            assert str(authority) == f"{authority.name_en} ({authority.code})"
        with override("de"):
            assert str(authority) == f"{authority.name_de} ({authority.code})"
    assert Authority.objects.get(code="ITD").name_en == "Office for IT and Digitalisation"


def test_filling_english_names_keeps_a_name_set_by_hand():
    Authority.objects.filter(code="BVM").update(name_en="Transport Ministry")
    Authority.objects.filter(code="BSB").update(name_en="")
    fill_authority_english_names(Authority)
    assert Authority.objects.get(code="BVM").name_en == "Transport Ministry"
    assert (
        Authority.objects.get(code="BSB").name_en == "Ministry of Schools and Vocational Training"
    )


def test_the_officers_heading_and_the_cockpit_name_authorities_in_english(officer, authority, itd):
    with override("en"):
        english_name = authority.name
    assert english_name == authority.name_en and english_name != authority.name_de
    page = _page(officer, reverse("dashboard"), "en")
    assert f"Digitalisation officers of your authority: {english_name}" in page
    project = ProjectFactory(lead_authority=authority)
    budget_line(project, planned=Decimal("10.00"))
    cockpit = _page(itd, reverse("dashboard"), "en")
    assert f"{english_name} ({authority.code})" in cockpit
    assert f"{authority.name_de} ({authority.code})" not in cockpit


# --- Exports and reports ------------------------------------------------------------------------


@pytest.fixture
def exported(itd: User) -> Project:
    project = cast(
        Project, ProjectFactory(primary_space=Space.objects.get(slug="mobilitaet-energie"))
    )
    budget_line(project, category="sach", source="itd", planned=Decimal("10.00"))
    return project


def _csv_rows(user: User, lang: str) -> list[list[str]]:
    client = client_for(user)
    client.cookies["django_language"] = lang
    response = client.get(reverse("projects:budget_export", kwargs={"fmt": "csv"}))
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _xlsx_rows(user: User, lang: str) -> list[tuple]:
    """The budget lines as XLSX: always a background report, in the requester's language."""
    User.objects.filter(pk=user.pk).update(language=lang)
    user.refresh_from_db()
    report = report_request(
        actor=user,
        kind="lines",
        format="xlsx",
        scope="programme",
        fiscal_year=FiscalYear.objects.get(year=2026),
    )
    generate(report.pk)
    report.refresh_from_db()
    assert report.file, report.error
    sheet = openpyxl.load_workbook(report.file.path).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("rows_of", [_csv_rows, _xlsx_rows], ids=["csv", "xlsx"])
def test_the_budget_lines_export_names_space_category_and_source_in_the_language(
    itd, exported, rows_of
):
    row = next(r for r in rows_of(itd, "en") if r and r[0] == exported.title)
    assert "Mobility & Energy" in row
    assert "Material costs" in row
    assert "ITD strategy budget" in " ".join(str(c) for c in row)
    german = next(r for r in rows_of(itd, "de") if r and r[0] == exported.title)
    assert "Mobilität & Energie" in german and "Sachkosten" in german


# --- Money labels and messages ------------------------------------------------------------------


def test_money_labels_and_limits_use_the_euro_sign_in_the_language():
    with override("de"):
        form = ProgrammeBudgetForm()
        assert str(form.fields["amount"].label) == "Programmbudget (€)"
        errors = ProgrammeBudgetForm(data={"amount": "1000000000000"}).errors["amount"]
        assert errors == ["Der Betrag ist zu groß (höchstens 999.999.999.999,99\xa0€)."]
    with override("en"):
        assert "€" in str(ProgrammeBudgetForm().fields["amount"].label)
        errors = ProgrammeBudgetForm(data={"amount": "1000000000000"}).errors["amount"]
        assert errors == ["The amount is too large (at most €999,999,999,999.99)."]
    field = MoneyField(max_whole_digits=3)
    with override("de"), pytest.raises(Exception, match="höchstens 999,99"):
        field.clean("1000")


def test_no_label_or_note_says_eur_any_more():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for folder in ("projects", "reports", "templates", "portal", "core"):
        for path in (root / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                text = path.read_text(encoding="utf-8")
                for marker in ("(EUR)", "0,00 EUR", ",99 EUR"):
                    assert marker not in text, f"{path}: {marker}"


# --- Dates --------------------------------------------------------------------------------------


def test_dates_read_in_the_language_with_the_month_by_name_in_english():
    import datetime as dt

    from core.dates import format_date, format_datetime

    moment = dt.datetime(2026, 3, 4, 22, 30, tzinfo=dt.UTC)  # 23:30 in Hamburg
    with override("de"):
        assert format_date(dt.date(2026, 12, 31)) == "31.12.2026"
        assert format_datetime(moment) == "04.03.2026 23:30"
    with override("en"):
        assert format_date(dt.date(2026, 12, 31)) == "31 Dec 2026"
        assert format_datetime(moment) == "4 Mar 2026, 23:30"
        assert format_date(moment) == "4 Mar 2026"


def test_the_project_page_writes_its_dates_in_the_language(itd):
    import datetime as dt

    project = ProjectFactory(start=dt.date(2025, 1, 1), end=dt.date(2027, 12, 31))
    english = _page(itd, project.get_absolute_url(), "en")
    assert "1 Jan 2025 – 31 Dec 2027" in english
    assert "01.01.2025" not in english
    german = _page(itd, project.get_absolute_url(), "de")
    assert "01.01.2025 – 31.12.2027" in german
