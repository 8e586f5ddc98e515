"""Reports written in the background: their figures equal the database to the cent, they hold
only what the requester may see, only those who may see the content download them, and every
bad request or fault has a clear answer.

Tasks run in-process (conftest); `django_capture_on_commit_callbacks(execute=True)` runs what
the worker would run after the request's commit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from contacts.models import Authority
from core import pdf
from core.audiences import SYSTEM_ACTOR, Actor
from notifications.kinds import Kind as NoticeKind
from notifications.models import Notification
from projects.models import BudgetLine, FiscalYear
from reports import services, writers
from reports.models import Report, ReportSchedule, Status
from spaces.models import Membership

from .conftest import client_for
from .factories import ProjectFactory, budget_line
from .object_store import read, stored_names
from .pdf_ua import pdf_ua_problems

# Every test runs on the local disk and in an S3 bucket (tests/conftest.py, object_store).
pytestmark = pytest.mark.usefixtures("object_store")


@pytest.fixture
def budget(space, other_space, authority):
    """Projects in two spaces and of two authorities, amounts that add up awkwardly."""
    elsewhere = Authority.objects.get(code="FB")
    mine = ProjectFactory(title="Ampelschaltung", primary_space=space, lead_authority=authority)
    theirs = ProjectFactory(
        title="Bildungscloud", primary_space=other_space, lead_authority=elsewhere
    )
    shared = ProjectFactory(title="Carsharing", primary_space=other_space, lead_authority=elsewhere)
    shared.participating_authorities.add(authority)
    budget_line(
        mine,
        2026,
        "sach",
        "itd",
        planned=Decimal("8714521.49"),
        revised=Decimal("8714521.49"),
        actual=Decimal("0.10"),
    )
    budget_line(
        mine,
        2026,
        "invest",
        "bund",
        planned=Decimal("0.20"),
        revised=Decimal("0.20"),
        committed=Decimal("0.30"),
    )
    budget_line(mine, 2025, "sach", "itd", planned=Decimal("999.99"), revised=Decimal("999.99"))
    budget_line(
        theirs,
        2026,
        "sach",
        "eigen",
        planned=Decimal("1234.56"),
        revised=Decimal("1300.01"),
        actual=Decimal("1299.99"),
    )
    budget_line(
        shared,
        2026,
        "it-dl",
        "itd",
        planned=Decimal("100.01"),
        revised=Decimal("100.01"),
        actual=Decimal("50.02"),
    )
    return {"mine": mine, "theirs": theirs, "shared": shared}


def year(n: int = 2026) -> FiscalYear:
    return FiscalYear.objects.get(year=n)


def request_report(actor: Actor, capture: Any, **values: Any) -> Report:
    values.setdefault("fiscal_year", year())
    with capture(execute=True):
        report = services.report_request(actor=actor, **values)
    report.refresh_from_db()
    return report


def db_sums(**filters: Any) -> dict[str, Decimal]:
    return BudgetLine.objects.filter(**filters).aggregate(
        planned=Sum("planned"),
        revised=Sum("revised"),
        committed=Sum("committed"),
        actual=Sum("actual"),
    )


def content(report: Report) -> bytes:
    """The report's file, read through the storage API (the disk or the bucket)."""
    return read("reports", report.file.name)


def workbook(report: Report) -> Any:
    return openpyxl.load_workbook(io.BytesIO(content(report)), read_only=False)


def money_cells(row: tuple[Any, ...], start: int) -> list[Decimal]:
    return [Decimal(str(v)).quantize(Decimal("0.01")) for v in row[start : start + 4]]


# --- Figures to the cent ---------------------------------------------------------------------


def test_the_budget_report_xlsx_equals_the_database_to_the_cent(
    itd, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="budget", format="xlsx", scope="programme"
    )
    assert report.status == Status.READY, report.error
    book = workbook(report)
    assert book.sheetnames == ["Übersicht", "Je Raum", "Je Behörde", "Je Projekt und Kostenart"]
    total = db_sums(fiscal_year__year=2026)
    expected = [total["planned"], total["revised"], total["committed"], total["actual"]]

    overview = {row[0]: row for row in book["Übersicht"].iter_rows(values_only=True)}
    assert money_cells(overview["Summe des Umfangs"], 2) == expected
    assert overview["Budgetzeilen"][1] == 4 and overview["Projekte"][1] == 3
    # No float noise: the cell holds 8714521.49 + 0.20, not 8714521.48999999.
    detail = book["Je Projekt und Kostenart"]
    values = list(detail.iter_rows(min_row=2, values_only=True))
    sach = next(r for r in values if r[0] == "Ampelschaltung" and r[4] == "Sachkosten")
    assert sach[5] == 8714521.49 and repr(sach[5]) == "8714521.49"
    assert money_cells(values[-1], 5) == expected  # the sum row
    by_space = {r[0]: r for r in book["Je Raum"].iter_rows(min_row=2, values_only=True)}
    assert money_cells(by_space["Mobilität & Energie"], 1) == [
        Decimal("8714521.69"),
        Decimal("8714521.69"),
        Decimal("0.30"),
        Decimal("0.10"),
    ]
    assert money_cells(by_space["Summe"], 1) == expected

    sheet = book["Je Projekt und Kostenart"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{len(values) + 1}"
    assert sheet["F2"].number_format.startswith('#,##0.00 "€"')
    assert sheet.column_dimensions["A"].width >= len("Ampelschaltung")
    # The programme's figures: the ITD strategy budget against the programme budget.
    assert "Programmbudget der Strategie" in overview


def column_widths(sheet: Any) -> dict[int, float]:
    """{column number: width}; XlsxWriter writes neighbours of one width as one range."""
    return {
        n: dim.width
        for dim in sheet.column_dimensions.values()
        for n in range(dim.min, dim.max + 1)
    }


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_budget_report_xlsx_from_postgres_holds_what_xlsxwriter_writes(
    itd, budget, space, authority, language, monkeypatch, django_capture_on_commit_callbacks
):
    """On PostgreSQL the detailed sheet's rows are written by the database (core.xlsx_stream),
    the three small sheets by Python; the file holds what XlsxWriter writes cell by cell (the
    way SQLite keeps): the same values, types, formats, bold, widths, frozen header and filter,
    in the requester's language."""
    itd.language = language
    itd.save(update_fields=["language"])
    odd = ProjectFactory(
        title='=HYPERLINK("https://example.org") <b>Tom & Jerry</b> _x0041_',
        primary_space=space,
        lead_authority=authority,
    )
    budget_line(
        odd,
        2026,
        "invest",
        "bund",
        planned=Decimal("5.05"),
        revised=Decimal("7"),
        committed=Decimal("9.99"),
    )  # remaining below zero

    def file() -> bytes:
        report = request_report(
            itd, django_capture_on_commit_callbacks, kind="budget", format="xlsx", scope="programme"
        )
        assert report.status == Status.READY, report.error
        return content(report)

    raw = file()
    # Written by core.xlsx_stream, not by XlsxWriter (whose package has document properties).
    assert "docProps/core.xml" not in zipfile.ZipFile(io.BytesIO(raw)).namelist()
    ours = openpyxl.load_workbook(io.BytesIO(raw))

    class SQLite:
        vendor = "sqlite"

    monkeypatch.setattr(writers, "connection", SQLite())
    theirs = openpyxl.load_workbook(io.BytesIO(file()))
    assert ours.sheetnames == theirs.sheetnames and len(ours.sheetnames) == 4
    for mine, other in zip(ours.worksheets, theirs.worksheets, strict=True):
        assert mine.max_row == other.max_row and mine.max_column == other.max_column
        for a, b in zip(mine.iter_rows(), other.iter_rows(), strict=True):
            for x, y in zip(a, b, strict=True):
                held = (x.value, x.data_type, x.number_format, x.font.b)
                assert held == (y.value, y.data_type, y.number_format, y.font.b), x.coordinate
        assert column_widths(mine) == pytest.approx(column_widths(other), abs=0.01), mine.title
        assert (mine.freeze_panes, mine.auto_filter.ref) == (
            other.freeze_panes,
            other.auto_filter.ref,
        )
    detail = ours.worksheets[3]
    titles = [row[0] for row in detail.iter_rows(min_row=2, values_only=True)]
    assert odd.title.replace("_x0041_", "_x005F_x0041_") in titles  # text, never a formula
    expected = "Investitionen" if language == "de" else "Investments"
    assert expected in [row[4] for row in detail.iter_rows(min_row=2, values_only=True)]


def test_the_csv_is_for_german_excel_and_sums_to_the_cent(
    itd, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="budget", format="csv", scope="programme"
    )
    raw = content(report)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Sicht", "Bezeichnung"]
    sums = [r for r in rows if r[1] == "Summe"]
    assert {r[0] for r in sums} == {"Je Raum", "Je Behörde", "Je Projekt und Kostenart"}
    total = db_sums(fiscal_year__year=2026)
    for row in sums:
        assert row[6] == f"{total['planned']:.2f}".replace(".", ",")
        assert row[9] == f"{total['actual']:.2f}".replace(".", ",")


@pytest.mark.disk_only
def test_the_budget_report_pdf_has_contents_pages_and_its_parameters(
    itd, budget, django_capture_on_commit_callbacks
):
    if pdf.missing():
        pytest.skip(pdf.missing())
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="budget", format="pdf", scope="programme"
    )
    assert report.status == Status.READY, report.error
    reader = PdfReader(io.BytesIO(content(report)))
    text = "\n".join(page.extract_text() for page in reader.pages)
    first = reader.pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # A4 landscape
    assert f"Seite 1 von {len(reader.pages)}" in text
    assert "Inhalt" in text and "Je Projekt und Kostenart" in text
    assert itd.get_full_name() in text and "gesamte Strategie" in text
    assert timezone.localdate().strftime("%d.%m.%Y") in text
    assert "8.714.521,49\u00a0€" in text


@pytest.mark.disk_only
@pytest.mark.parametrize(
    ("kind", "extra"), [("budget", {}), ("portfolio", {"fiscal_year": None})], ids=str
)
def test_every_pdf_report_is_pdf_ua(
    itd, budget, django_capture_on_commit_callbacks, monkeypatch, tmp_path, kind, extra
):
    """Issue 22: the checker, our structure checks and the reading order (tests/pdf_ua.py)
    against the HTML the report was made from."""
    if pdf.missing():
        pytest.skip(pdf.missing())
    rendered: list[str] = []
    write = pdf.write_pdf
    monkeypatch.setattr(
        pdf,
        "write_pdf",
        lambda html, target, **kw: (rendered.append(html), write(html, target, **kw)),
    )
    report = request_report(
        itd,
        django_capture_on_commit_callbacks,
        kind=kind,
        format="pdf",
        scope="programme",
        **extra,
    )
    assert report.status == Status.READY, report.error
    copy = tmp_path / "report.pdf"
    with report.file.open("rb") as stored:
        copy.write_bytes(stored.read())
    assert pdf_ua_problems(copy, rendered[0]) == []
    if kind == "portfolio":  # its two charts: figures with a text, the years' table below
        assert rendered[0].count('<img alt="') == 2
        assert "Die Beträge je Haushaltsjahr stehen in der Tabelle darunter." in rendered[0]


@pytest.mark.disk_only
def test_the_portfolio_status_pdf_names_health_reasons_overdue_and_over_budget(
    itd, budget, django_capture_on_commit_callbacks
):
    if pdf.missing():
        pytest.skip(pdf.missing())
    from projects.models import Milestone

    theirs = budget["theirs"]
    theirs.health, theirs.health_reason = "red", "Vergabe gescheitert"
    theirs.save()
    Milestone.objects.create(project=theirs, title="Abnahme Pilot", due=dt.date(2026, 1, 15))
    report = request_report(
        itd,
        django_capture_on_commit_callbacks,
        kind="portfolio",
        format="pdf",
        scope="programme",
        fiscal_year=None,
    )
    assert report.status == Status.READY, report.error
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content(report))).pages)
    for expected in (
        "Wissen & Bildung",
        "Bildungscloud",
        "Vergabe gescheitert",
        "Abnahme Pilot",
        "Projekte über dem fortgeschriebenen Plan",
        "Ampeln je Raum",
    ):
        assert expected in text, expected


def test_a_year_without_data_is_a_valid_report_that_says_so(
    itd, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        itd,
        django_capture_on_commit_callbacks,
        kind="budget",
        format="xlsx",
        scope="programme",
        fiscal_year=year(2027),
    )
    assert report.status == Status.READY
    overview = {r[0]: r for r in workbook(report)["Übersicht"].iter_rows(values_only=True)}
    assert "keine Budgetzeilen" in overview["Hinweis"][1]
    assert money_cells(overview["Summe des Umfangs"], 2) == [Decimal("0.00")] * 4


# --- Scope: only what the requester may see ----------------------------------------------------


def projects_in(report: Report) -> set[str]:
    sheet = workbook(report)["Je Projekt und Kostenart"]
    return {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} - {"Summe"}


def test_an_officers_report_holds_only_their_authoritys_projects(
    officer, authority, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        officer,
        django_capture_on_commit_callbacks,
        kind="budget",
        format="xlsx",
        scope="authority",
        authority=authority,
    )
    assert projects_in(report) == {"Ampelschaltung", "Carsharing"}  # led or participating
    overview = {r[0]: r for r in workbook(report)["Übersicht"].iter_rows(values_only=True)}
    assert "Programmbudget der Strategie" not in overview
    expected = db_sums(fiscal_year__year=2026, project__in=[budget["mine"], budget["shared"]])
    assert money_cells(overview["Summe des Umfangs"], 2) == list(expected.values())


def test_a_coordinators_report_holds_their_space_only(
    coordinator, space, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        coordinator,
        django_capture_on_commit_callbacks,
        kind="budget",
        format="xlsx",
        scope="space",
        space=space,
    )
    assert projects_in(report) == {"Ampelschaltung"}
    lines = request_report(
        coordinator,
        django_capture_on_commit_callbacks,
        kind="lines",
        format="xlsx",
        scope="space",
        space=space,
    )
    rows = list(workbook(lines)["Budgetzeilen"].iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {"Ampelschaltung", "Summe"}


@pytest.mark.parametrize(
    "role,scope",
    [
        ("coordinator", "space:wissen-bildung"),
        ("officer", "authority:FB"),
        ("member", "programme"),
        ("member", "space:mobilitaet-energie"),
        ("coordinator", "programme"),
    ],
)
def test_a_scope_the_person_may_not_use_is_refused_with_403(client_as, budget, role, scope):
    response = client_as(role).post(
        reverse("reports:archive"),
        {"kind": "budget", "format": "xlsx", "scope": scope, "fiscal_year": "2026"},
    )
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["member", "guest", "outsider"])
def test_members_guests_and_other_staff_have_no_reports(client_as, role, budget):
    client = client_as(role)
    assert client.get(reverse("reports:archive")).status_code == 403
    response = client.post(
        reverse("reports:archive"),
        {"kind": "lines", "format": "csv", "scope": "space:mobilitaet-energie"},
    )
    assert response.status_code == 403 and not Report.objects.exists()


@pytest.mark.parametrize(
    "data,field,message",
    [
        (
            {"kind": "lines", "format": "pdf", "scope": "programme"},
            "format",
            "nur als Excel (XLSX), CSV",
        ),
        (
            {"kind": "budget", "format": "xlsx", "scope": "programme"},
            "fiscal_year",
            "Haushaltsjahr",
        ),
        (
            {
                "kind": "budget",
                "format": "xlsx",
                "scope": "space:gibt-es-nicht",
                "fiscal_year": "2026",
            },
            "scope",
            "Diesen Umfang gibt es nicht.",
        ),
        (
            {"kind": "kaiser", "format": "xlsx", "scope": "programme"},
            "kind",
            "Diesen Bericht gibt es nicht.",
        ),
        (
            {"kind": "budget", "format": "xlsx", "scope": "programme", "fiscal_year": "1999"},
            "fiscal_year",
            "Dieses Haushaltsjahr gibt es nicht.",
        ),
        ({}, "scope", "Bitte wählen Sie den Umfang."),
    ],
)
def test_bad_requests_get_400_with_the_message_at_the_field(client_as, data, field, message):
    response = client_as("itd").post(reverse("reports:archive"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'id="id_{field}_error"' in page
    assert not Report.objects.exists()


# --- Download: only for those who may see the content -----------------------------------------


def test_only_those_who_may_see_the_content_download_it_everyone_else_gets_404(
    all_roles, space, budget, django_capture_on_commit_callbacks
):
    coordinator, member, officer = (
        all_roles["coordinator"],
        all_roles["member"],
        all_roles["officer"],
    )
    space_report = request_report(
        coordinator,
        django_capture_on_commit_callbacks,
        kind="lines",
        format="csv",
        scope="space",
        space=space,
    )
    authority_report = request_report(
        officer,
        django_capture_on_commit_callbacks,
        kind="lines",
        format="csv",
        scope="authority",
        authority=officer.person.authority,
    )
    url = reverse("reports:download", args=[space_report.pk])
    allowed = {"itd", "coordinator"}
    for role, user in all_roles.items():
        response = client_for(user).get(url)
        if role in allowed:
            assert response.status_code == 200, role
            assert response["Content-Disposition"].startswith("attachment;")
            assert b"Ampelschaltung" in b"".join(response.streaming_content)
        elif role in ("anonymous", "guest_ended"):  # not signed in (an ended guest is not)
            assert response.status_code == 302, role
        else:
            assert response.status_code == 404, role
        detail = client_for(user).get(reverse("reports:detail", args=[space_report.pk]))
        assert detail.status_code == (
            200 if role in allowed else 302 if role in ("anonymous", "guest_ended") else 404
        )
    officers_url = reverse("reports:download", args=[authority_report.pk])
    assert client_for(officer).get(officers_url).status_code == 200
    assert client_for(coordinator).get(officers_url).status_code == 404
    assert client_for(member).get(officers_url).status_code == 404
    assert client_for(all_roles["itd"]).get(officers_url).status_code == 200
    # The coordinator steps down: the space's reports are no longer theirs.
    Membership.objects.filter(person=coordinator.person, space=space).update(role="member")
    assert client_for(coordinator).get(url).status_code == 404


def test_files_live_outside_the_web_root_and_have_no_url(
    itd, budget, django_capture_on_commit_callbacks, object_store
):
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="lines", format="csv", scope="programme"
    )
    assert stored_names("reports") == [report.file.name]
    if object_store == "disk":
        path = Path(report.file.path).resolve()
        assert Path(django_settings.REPORTS_ROOT).resolve() in path.parents
        assert Path(django_settings.STATIC_ROOT).resolve() not in path.parents
    else:  # in the bucket under reports/ of the test's prefix, and not on the local disk
        server, prefix = object_store
        assert server.keys(prefix) == [f"{prefix}/reports/{report.file.name}"]
    with pytest.raises(ValueError):
        report.file.url  # noqa: B018 - the storage has no URL


# --- The request answers at once; status, notices, faults --------------------------------------


def test_the_request_answers_at_once_and_the_archive_shows_the_status(
    client_as, itd, budget, django_capture_on_commit_callbacks
):
    client = client_as("itd")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("reports:archive"),
            {"kind": "budget", "format": "xlsx", "scope": "programme", "fiscal_year": "2026"},
        )
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "reports:detail", args=[report.pk]
    )
    assert report.status == Status.QUEUED and len(callbacks) == 1
    page = client.get(reverse("reports:archive")).content.decode()
    assert "wartet" in page and f'data-report="{report.pk}"' in page and "data-pending" in page
    status = client.get(reverse("reports:status"), {"id": report.pk}).json()["reports"][0]
    assert (status["status"], status["pending"], status["download"]) == ("queued", True, "")

    callbacks[0]()  # the worker
    report.refresh_from_db()
    assert report.status == Status.READY and report.progress == 100 and report.size > 0
    status = client.get(reverse("reports:status"), {"id": report.pk}).json()["reports"][0]
    assert status["download"] == reverse("reports:download", args=[report.pk])
    notice = Notification.objects.get(recipient=itd, kind=NoticeKind.REPORT_READY)
    assert notice.url == reverse("reports:detail", args=[report.pk])
    assert "Budgetbericht" in notice.title
    # Someone else's report never shows in their status answer.
    other = client_as("coordinator").get(reverse("reports:status"), {"id": report.pk}).json()
    assert other == {"reports": []}


def test_a_missing_pdf_library_fails_the_report_with_a_clear_message_and_a_notice(
    itd, budget, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        pdf, "_weasyprint", lambda: (None, "OSError: cannot load library 'pango-1.0'")
    )
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="budget", format="pdf", scope="programme"
    )
    assert report.status == Status.FAILED
    assert "PDF-Berichte sind auf diesem Server nicht verfügbar" in report.error
    assert "make pdf-deps" in report.error
    assert Notification.objects.filter(recipient=itd, kind=NoticeKind.REPORT_FAILED).count() == 1
    assert stored_names("reports") == []
    assert not list(Path(django_settings.REPORTS_ROOT).rglob("*.part"))


def test_a_report_is_written_once_even_if_its_task_runs_twice(
    itd, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="lines", format="csv", scope="programme"
    )
    assert services.generate(report.pk) == "skipped"
    assert Notification.objects.filter(kind=NoticeKind.REPORT_READY).count() == 1


def test_a_report_whose_worker_died_is_written_again_and_given_up_after_three_tries(
    itd, budget, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        report = services.report_request(actor=itd, kind="lines", format="csv", scope="programme")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Report.objects.filter(pk=report.pk).update(
        status=Status.RUNNING, started_at=long_ago, attempts=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale() == 1
    report.refresh_from_db()
    assert report.status == Status.READY and report.attempts == 2

    with django_capture_on_commit_callbacks(execute=False):
        dying = services.report_request(actor=itd, kind="lines", format="csv", scope="programme")
    Report.objects.filter(pk=dying.pk).update(
        status=Status.RUNNING, started_at=long_ago, attempts=3
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale() == 0
    dying.refresh_from_db()
    assert dying.status == Status.FAILED and "3 abgebrochenen Versuchen" in dying.error
    # A queued report whose publish was lost goes out again after a few minutes.
    with django_capture_on_commit_callbacks(execute=False):
        lost = services.report_request(actor=itd, kind="lines", format="csv", scope="programme")
    assert services.requeue_stale() == 0
    Report.objects.filter(pk=lost.pk).update(enqueued_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_stale() == 1
    lost.refresh_from_db()
    assert lost.status == Status.READY


def test_files_are_removed_after_the_retention_days(
    client_as, itd, budget, django_capture_on_commit_callbacks
):
    report = request_report(
        itd, django_capture_on_commit_callbacks, kind="lines", format="csv", scope="programme"
    )
    name = report.file.name
    assert (
        report.expires_at.date()
        == (timezone.now() + dt.timedelta(days=django_settings.REPORT_RETENTION_DAYS)).date()
    )
    assert services.purge_expired() == 0 and stored_names("reports") == [name]
    assert services.purge_expired(now=report.expires_at + dt.timedelta(seconds=1)) == 1
    report.refresh_from_db()
    assert stored_names("reports") == [] and report.status == Status.REMOVED and not report.file
    assert client_as("itd").get(reverse("reports:download", args=[report.pk])).status_code == 404
    assert "gelöscht" in client_as("itd").get(reverse("reports:archive")).content.decode()


def test_the_requester_deletes_their_report_others_may_not(
    client_as, coordinator, officer, space, budget, django_capture_on_commit_callbacks
):
    own = request_report(
        coordinator,
        django_capture_on_commit_callbacks,
        kind="lines",
        format="csv",
        scope="space",
        space=space,
    )
    name = own.file.name
    assert stored_names("reports") == [name]
    with pytest.raises(PermissionDenied):
        services.report_delete(actor=officer, report=own)
    delete = reverse("reports:delete", args=[own.pk])
    assert client_as("officer").post(delete).status_code == 404  # not theirs to see
    assert client_as("coordinator").post(delete).status_code == 302
    assert not Report.objects.filter(pk=own.pk).exists() and name not in stored_names("reports")


# --- Schedules ----------------------------------------------------------------------------------


def test_the_first_working_day_in_hamburg():
    assert services.first_working_day(2026, 1) == dt.date(2026, 1, 2)  # New Year's Day
    assert services.first_working_day(2026, 5) == dt.date(2026, 5, 4)  # Labour Day, a Friday
    assert services.first_working_day(2026, 8) == dt.date(2026, 8, 3)  # a Saturday
    assert services.first_working_day(2026, 10) == dt.date(2026, 10, 1)
    assert services.first_working_day_of_week(dt.date(2026, 4, 8)) == dt.date(
        2026, 4, 7
    )  # Easter Monday


def test_a_monthly_schedule_writes_once_on_the_first_working_day_and_tells_its_recipients(
    client_as, itd, coordinator, member, space, budget, django_capture_on_commit_callbacks
):
    client = client_as("itd")
    data = {
        "title": "Monatsbericht Mobilität",
        "kind": "budget",
        "format": "xlsx",
        "scope_choice": f"space:{space.slug}",
        "cadence": "monthly",
        "recipients": [coordinator.pk],
        "active": "on",
    }
    assert client.post(reverse("reports:schedule_new"), data).status_code == 302
    schedule = ReportSchedule.objects.get()
    assert list(schedule.recipients.all()) == [coordinator]
    # A recipient who may not see the content is refused, nothing changes.
    bad = client.post(
        reverse("reports:schedule_edit", args=[schedule.pk]), {**data, "recipients": [member.pk]}
    )
    assert bad.status_code == 400
    assert list(schedule.recipients.all()) == [coordinator]

    with django_capture_on_commit_callbacks(execute=True):
        assert services.schedules_run_due(on=dt.date(2026, 5, 1)) == 0  # a holiday
        assert services.schedules_run_due(on=dt.date(2026, 5, 4)) == 1
        assert services.schedules_run_due(on=dt.date(2026, 5, 4)) == 0  # once
    report = Report.objects.get(schedule=schedule)
    assert report.status == Status.READY and report.requested_by == itd
    assert report.fiscal_year.year == 2026 and projects_in(report) == {"Ampelschaltung"}
    told = set(
        Notification.objects.filter(kind=NoticeKind.REPORT_READY).values_list(
            "recipient", flat=True
        )
    )
    assert told == {itd.pk, coordinator.pk}


@pytest.mark.parametrize("role", ["coordinator", "officer", "member", "guest"])
def test_only_itd_schedules_reports(client_as, role):
    client = client_as(role)
    assert client.get(reverse("reports:schedules")).status_code == 403
    assert client.post(reverse("reports:schedule_new"), {"title": "x"}).status_code == 403


def test_after_deleting_a_schedule_back_leads_to_a_friendly_page(client_as):
    from reports.models import ReportSchedule

    schedule = ReportSchedule.objects.create(
        title="Quartalsbericht", kind="budget", format="xlsx", scope="programme", cadence="monthly"
    )
    client = client_as("itd")
    url = reverse("reports:schedule_delete", kwargs={"pk": schedule.pk})
    response = client.post(url)
    assert response.status_code == 303 and response["Location"] == reverse("reports:schedules")
    assert not ReportSchedule.objects.filter(pk=schedule.pk).exists()
    back = client.get(url)
    assert back.status_code == 410 and reverse("reports:schedules") in back.content.decode()
    assert client_as("coordinator").get(url).status_code == 403  # nothing leaks


# --- The synchronous exports offer the background report ---------------------------------------


def test_the_budget_lines_xlsx_always_offers_the_background_report(client_as, budget, space):
    client = client_as("coordinator")
    response = client.get(
        reverse("projects:budget_export", args=["xlsx"]), {"space": space.slug, "year": 2026}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "im Hintergrund" in page
    assert (
        f"/reports/?kind=lines&amp;format=xlsx&amp;space={space.slug}&amp;fiscal_year=2026" in page
    )
    # The CSV of the same rows still comes at once.
    assert client.get(reverse("projects:budget_export", args=["csv"])).status_code == 200
    # The offer's link opens the request form prefilled with the coordinator's space.
    form = client.get(
        f"/reports/?kind=lines&format=xlsx&space={space.slug}&fiscal_year=2026"
    ).content.decode()
    assert f'<option value="space:{space.slug}" selected>' in form
    assert '<option value="lines" selected>' in form


def test_a_large_portfolio_xlsx_offers_the_report_a_small_one_comes_at_once(
    client_as, settings, budget
):
    client = client_as("itd")
    small = client.get(reverse("projects:export", args=["xlsx"]))
    assert small["Content-Type"].startswith("application/vnd.openxmlformats")
    settings.EXPORT_SYNC_LIMIT = 2
    large = client.get(reverse("projects:export", args=["xlsx"]))
    assert large.status_code == 200 and "im Hintergrund" in large.content.decode()


def test_the_archive_tells_when_pdfs_cannot_be_made(client_as, monkeypatch):
    monkeypatch.setattr(
        pdf, "_missing_cheaply", lambda: "OSError: the system library pango-1.0 is not installed"
    )
    page = client_as("itd").get(reverse("reports:archive")).content.decode()
    assert "PDF ist auf diesem Server nicht verfügbar" in page and "make pdf-deps" in page


def test_personal_data_names_the_reports_and_anonymising_removes_their_files(
    coordinator, space, budget, django_capture_on_commit_callbacks
):
    from contacts.selectors import personal_data
    from contacts.services import user_anonymise

    own = request_report(
        coordinator,
        django_capture_on_commit_callbacks,
        kind="lines",
        format="csv",
        scope="space",
        space=space,
    )
    name = own.file.name
    assert stored_names("reports") == [name]
    assert any("Budgetzeilen" in item["report"] for item in personal_data(coordinator)["reports"])
    user_anonymise(user=coordinator, actor=SYSTEM_ACTOR, reason="Test")
    own.refresh_from_db()
    assert own.requested_by is None and own.status == Status.REMOVED
    assert name not in stored_names("reports")
