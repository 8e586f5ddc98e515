"""The round report through the report archive (issue 17, point 7): every amount and rating in
its XLSX and PDF equals the frozen snapshot, and each space's sum equals the budget lines summed
in SQL over the measures' projects; an open round's report says it is a draft; only ITD and the
space's coordinators request and see it.

Figures are tested as figures (tests/figures.py): the SQL below shares nothing with the money
module the snapshot summed with.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from contacts.models import Authority
from core import pdf
from core.audiences import Actor
from core.dates import today
from projects.models import BudgetLine
from reports import selectors as report_selectors
from reports import services as report_services
from reports.forms import ReportRequestForm, ScheduleForm
from reports.models import Report, Status
from reports.permissions import may_download
from spaces.models import Membership, Space
from strategy import services
from strategy.models import Light, Measure, Rating, Round, Submission

from . import figures as fig
from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory, budget_line
from .factories import strategy_tree as tree
from .pdf_ua import pdf_ua_problems

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def hidden_project(space):
    """A restricted project of a third space, led by another authority: the coordinator of
    `space` may not see its budget."""
    third = Space.objects.exclude(slug__in=["mobilitaet-energie", "wissen-bildung"]).first()
    project = ProjectFactory(
        primary_space=third,
        lead_authority=Authority.objects.get(code="FB"),
        visibility="restricted",
    )
    budget_line(project, 2026, planned=D("5000.00"), revised=D("5000.00"), actual=D("1.01"))
    return project


@pytest.fixture
def round_(itd, officer, space, other_space, authority, hidden_project):
    """An open round over two spaces: in `space` two goals, the first measure with two projects
    (one also serving the second measure), the second measure also serving the hidden project;
    in `other_space` one goal. The officer reports both measures of `space`; ITD accepts one
    with a different rating."""
    mine = ProjectFactory(primary_space=space, lead_authority=authority)
    shared = ProjectFactory(primary_space=space, lead_authority=authority)
    theirs = ProjectFactory(primary_space=other_space, lead_authority=authority)
    budget_line(mine, 2026, planned=D("8714521.49"), revised=D("8714521.49"), actual=D("0.10"))
    budget_line(mine, 2025, "invest", "bund", planned=D("0.20"), committed=D("0.30"))
    budget_line(shared, 2026, planned=D("1234.56"), revised=D("1300.01"), actual=D("1299.99"))
    budget_line(theirs, 2026, planned=D("100.01"), revised=D("100.01"), actual=D("50.02"))
    _g1, first, (_i, first_indicator) = tree(
        space=space, authority=authority, responsible=officer.person, projects=[mine, shared]
    )
    _g2, second, (_j, second_indicator) = tree(
        space=space,
        authority=authority,
        responsible=officer.person,
        projects=[shared, hidden_project],
    )
    tree(space=other_space, authority=Authority.objects.get(code="FB"), projects=[theirs])
    opened = services.round_open(
        actor=itd,
        name="2026/1",
        period_start=today() - dt.timedelta(days=90),
        period_end=today(),
        deadline=today() + dt.timedelta(days=14),
        spaces=[space, other_space],
    )
    for measure, indicator, rating, light in (
        (first, first_indicator, "limited", "amber"),
        (second, second_indicator, "substantial", "green"),
    ):
        services.submission_save(
            actor=officer,
            submission=Submission.objects.get(round=opened, measure=measure),
            rating=rating,
            light=light,
            text="Läuft.",
            values=[services.ValueInput(indicator, today() - dt.timedelta(days=2), D("45.5"))],
            submit=True,
        )
    services.submission_accept(
        actor=itd,
        submission=Submission.objects.get(round=opened, measure=first),
        itd_rating="not_started",
    )
    return opened


@pytest.fixture
def frozen(itd, round_):
    return services.round_freeze(actor=itd, round_=round_)


def request(actor: Actor, round_: Round, capture: Any, **values: Any) -> Report:
    values.setdefault("scope", "programme")
    with capture(execute=True):
        report = services.round_report_request(actor=actor, round_=round_, **values)
    report.refresh_from_db()
    assert report.status == Status.READY, report.error
    return report


def measure_sums(space: Space, *, without: tuple[int, ...] = ()) -> dict[Any, dict[str, D]]:
    """{measure code: figures} and {None: the space's sum} over every (measure, project) pair
    of the space's measures, summed in SQL from the budget lines (a project serving two
    measures counts in each, as the report says)."""
    pairs = Measure.projects.through._meta.db_table
    measure, line = Measure._meta.db_table, BudgetLine._meta.db_table
    goal = Measure._meta.get_field("goal").related_model._meta.db_table  # type: ignore[union-attr]
    sums = ", ".join(f"COALESCE(SUM(l.{name}), 0)" for name in fig.AMOUNTS)
    skip = ",".join(str(int(pk)) for pk in without) or "0"
    found: dict[Any, dict[str, D]] = {}
    for key, group in (("m.code", " GROUP BY m.code"), ("NULL", "")):
        sql = (
            f"SELECT {key}, {sums} FROM {measure} m "  # noqa: S608 - the test's own SQL
            f"JOIN {goal} g ON g.id = m.goal_id "
            f"LEFT JOIN {pairs} mp ON mp.measure_id = m.id "
            f"LEFT JOIN {line} l ON l.project_id = mp.project_id "
            f"WHERE g.space_id = %s AND m.id NOT IN ({skip}){group}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [space.pk])
            for row in cursor.fetchall():
                planned, revised, committed, actual = (D(v) for v in row[1:])
                found[row[0]] = {
                    "planned": planned,
                    "revised": revised,
                    "committed": committed,
                    "actual": actual,
                    "available": revised - committed - actual,
                }
    return found


def snapshot_measures(round_: Round, slug: str) -> dict[str, dict[str, Any]]:
    assert round_.snapshot is not None
    space = next(s for s in round_.snapshot["spaces"] if s["slug"] == slug)
    return {m["code"]: m for g in space["goals"] for m in g["measures"]}


def cells(values: Any) -> dict[str, D]:
    found = [D(str(v)).quantize(D("0.01")) for v in values]
    return dict(zip(fig.FIGURES, found, strict=True))


def label(choices: Any, key: str | None) -> str:
    return str(choices(key).label) if key else "–"


# --- Figures and ratings ------------------------------------------------------------------------


def test_the_xlsx_states_the_snapshot_and_the_sql_sums(
    itd, frozen, space, other_space, django_capture_on_commit_callbacks
):
    report = request(itd, frozen, django_capture_on_commit_callbacks, format="xlsx")
    book = openpyxl.load_workbook(Path(report.file.path))
    assert book.sheetnames == ["Übersicht", space.name, other_space.name, "Kennzahlen", "Messwerte"]
    overview = {row[0]: row for row in book["Übersicht"].iter_rows(values_only=True)}
    assert overview["Prüfsumme (SHA-256, verkettet)"][1] == frozen.digest
    assert "Stand" not in overview  # frozen: no draft
    total = {name: D(0) for name in fig.FIGURES}
    for where in (space, other_space):
        expected = measure_sums(where)
        snapshot = snapshot_measures(frozen, where.slug)
        rows = {r[1]: r for r in book[where.name].iter_rows(min_row=2, values_only=True)}
        body = {code: r for code, r in rows.items() if code is not None}
        assert set(body) == set(snapshot)
        for code, row in body.items():
            measure = snapshot[code]
            reported = measure["report"] or {}
            stated = {n: D(v) for n, v in measure["budget"].items()}
            assert cells(row[10:15]) == stated == expected[code], code
            assert row[5] == label(Rating, reported.get("rating"))
            assert row[6] == label(Rating, reported.get("itd_rating"))
            assert row[8] == label(Light, reported.get("light"))
            rating, itd_rating = reported.get("rating"), reported.get("itd_rating")
            differs = bool(rating and itd_rating and rating != itd_rating)
            assert row[7] == ("weicht ab" if differs else None), code
        sum_row = next(
            r for r in book[where.name].iter_rows(values_only=True) if r[0] == "Summe der Maßnahmen"
        )
        assert cells(sum_row[10:15]) == expected[None]
        assert cells(overview[where.name][2:7]) == expected[None]
        assert book[where.name]["K2"].number_format.startswith('#,##0.00 "€"')
        total = {n: total[n] + expected[None][n] for n in fig.FIGURES}
    assert cells(overview["Summe"][2:7]) == total
    # The one disagreement, in words: ITD rated the first measure "nicht begonnen".
    first = next(r for r in book[space.name].iter_rows(values_only=True) if r[1] == "G1.1")
    assert first[5:9] == ("begrenzt umgesetzt", "nicht begonnen", "weicht ab", "gelb")
    indicators = list(book["Kennzahlen"].iter_rows(min_row=2, values_only=True))
    reported = next(r for r in indicators if r[1] == "G1.1")
    assert (reported[5], reported[7], reported[9]) == (20, 80, 45.5)


def test_the_pdf_states_every_amount_and_rating_of_the_snapshot(
    itd, frozen, space, other_space, django_capture_on_commit_callbacks
):
    if pdf.missing():
        pytest.skip(pdf.missing())
    report = request(itd, frozen, django_capture_on_commit_callbacks, format="pdf")
    reader = PdfReader(report.file.path)
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert frozen.digest in "".join(text.split())
    assert "Entwurf: Runde noch offen" not in text
    assert "2026/1" in text and "weicht ab" in text and "begrenzt umgesetzt" in text
    assert "nicht begonnen" in text and "weitgehend umgesetzt" in text and "grün" in text
    rows: dict[str, list[dict[str, D]]] = {}
    for line in text.splitlines():
        amounts = fig.amounts_in(line)
        if amounts:
            key = fig.AMOUNT_ANYWHERE.split(line, maxsplit=1)[0].strip()
            rows.setdefault(key, []).append(dict(zip(fig.FIGURES, amounts, strict=True)))
    total = {name: D(0) for name in fig.FIGURES}
    sums = []
    for where in (space, other_space):
        expected = measure_sums(where)
        snapshot = snapshot_measures(frozen, where.slug)
        for code, measure in snapshot.items():
            stated = {n: D(v) for n, v in measure["budget"].items()}
            assert rows.pop(f"{code} {measure['title']}") == [stated] == [expected[code]], code
        assert rows.pop(f"{where.name} {len(snapshot)}") == [expected[None]]
        sums.append(expected[None])
        total = {n: total[n] + expected[None][n] for n in fig.FIGURES}
    assert rows.pop("Summe der Maßnahmen") == sums
    assert rows.pop("Summe") == [total]
    assert not rows, f"amounts in the PDF this test did not check: {rows}"


def test_the_round_report_pdf_is_pdf_ua(
    itd, frozen, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    """Issue 22: the checker, our structure checks (its six charts figures with a text) and
    the reading order (tests/pdf_ua.py) against the HTML the report was made from."""
    if pdf.missing():
        pytest.skip(pdf.missing())
    rendered: list[str] = []
    write = pdf.write_pdf
    monkeypatch.setattr(
        pdf,
        "write_pdf",
        lambda html, target, **kw: (rendered.append(html), write(html, target, **kw)),
    )
    report = request(itd, frozen, django_capture_on_commit_callbacks, format="pdf")
    copy = tmp_path / "round.pdf"
    with report.file.open("rb") as stored:
        copy.write_bytes(stored.read())
    assert pdf_ua_problems(copy, rendered[0]) == []


def test_the_pdf_charts_are_images_with_a_text_and_their_table(
    itd, frozen, django_capture_on_commit_callbacks, monkeypatch
):
    """The HTML the PDF is rendered from: each chart an image (its SVG drawing) with an
    alternative text of title and description, followed by its table; headings without a
    skipped level; every header cell scoped."""
    from core import pdf as pdf_module

    rendered: list[str] = []
    monkeypatch.setattr(
        pdf_module,
        "write_pdf",
        lambda html, target: (rendered.append(html), Path(target).write_bytes(b"%PDF-")),
    )
    request(itd, frozen, django_capture_on_commit_callbacks, format="pdf")
    page = fig.tree(rendered[0])
    assert page.one("html").attrs["lang"] == "de"
    images = [img for img in page.find_all("img") if img.attrs["src"].startswith("data:image/svg")]
    assert len(images) == 6  # two indicators of each of three goals
    for img in images:
        alt = img.attrs["alt"]
        assert alt.startswith("Verlauf:") and "Werte gegen den Pfad" in alt, alt
        drawing = base64.b64decode(img.attrs["src"].split(",", 1)[1]).decode()
        assert drawing.startswith("<svg") and "<polyline" in drawing
    levels = [int(n.tag[1]) for n in page.iter() if n.tag in ("h1", "h2", "h3", "h4", "h5")]
    assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    assert all(th.attrs.get("scope") in ("col", "row") for th in page.find_all("th"))
    assert len(page.find_all("figure")) == 6
    assert "45,5" in rendered[0]


def test_an_open_rounds_report_says_on_every_page_that_it_is_a_draft(
    coordinator, round_, space, django_capture_on_commit_callbacks
):
    report = request(
        coordinator,
        round_,
        django_capture_on_commit_callbacks,
        format="xlsx",
        scope="space",
        space=space,
    )
    book = openpyxl.load_workbook(Path(report.file.path))
    assert book.sheetnames == ["Übersicht", space.name, "Kennzahlen", "Messwerte"]
    overview = {row[0]: row for row in book["Übersicht"].iter_rows(values_only=True)}
    assert overview["Stand"][1] == "Entwurf: Runde noch offen"
    if pdf.missing():
        return
    report = request(
        coordinator,
        round_,
        django_capture_on_commit_callbacks,
        format="pdf",
        scope="space",
        space=space,
    )
    pages = [page.extract_text() for page in PdfReader(report.file.path).pages]
    assert all("Entwurf: Runde noch offen" in text for text in pages)
    assert not any("Wissen & Bildung" in text for text in pages)  # the one space only


def test_a_measure_whose_projects_budget_the_requester_may_not_see_is_not_shown(
    coordinator, frozen, space, hidden_project, django_capture_on_commit_callbacks
):
    report = request(
        coordinator,
        frozen,
        django_capture_on_commit_callbacks,
        format="xlsx",
        scope="space",
        space=space,
    )
    book = openpyxl.load_workbook(Path(report.file.path))
    rows = {r[1]: r for r in book[space.name].iter_rows(min_row=2, values_only=True)}
    assert rows["G2.1"][10:15] == (None,) * 5 and rows["G2.1"][15].startswith("Budget nicht")
    second = Measure.objects.get(code="G2.1")
    expected = measure_sums(space, without=(second.pk,))
    sum_row = next(
        r for r in book[space.name].iter_rows(values_only=True) if r[0] == "Summe der Maßnahmen"
    )
    assert cells(sum_row[10:15]) == expected[None]
    assert cells(rows["G1.1"][10:15]) == expected["G1.1"]


# --- Who may ------------------------------------------------------------------------------------


@pytest.fixture
def coordinator_there(other_space):
    person = PersonFactory(authority=Authority.objects.get(code="FB"))
    MembershipFactory(person=person, space=other_space, role=Membership.Role.COORDINATOR)
    return person.user


def test_only_itd_and_the_spaces_coordinators_request_it(
    itd,
    coordinator,
    coordinator_there,
    officer,
    member,
    guest,
    outsider,
    frozen,
    space,
    other_space,
):
    for refused in (officer, member, guest, outsider):
        for scope in ({"scope": "programme"}, {"scope": "space", "space": space}):
            with pytest.raises(PermissionDenied):
                services.round_report_request(actor=refused, round_=frozen, format="pdf", **scope)
    with pytest.raises(PermissionDenied):
        services.round_report_request(
            actor=coordinator, round_=frozen, format="pdf", scope="programme"
        )
    with pytest.raises(PermissionDenied):
        services.round_report_request(
            actor=coordinator, round_=frozen, format="pdf", scope="space", space=other_space
        )
    with pytest.raises(PermissionDenied):
        services.round_report_request(
            actor=coordinator_there, round_=frozen, format="pdf", scope="space", space=space
        )
    # Not a space of the round; not a format of the kind.
    third = Space.objects.exclude(pk__in=[space.pk, other_space.pk]).first()
    with pytest.raises(ValidationError):
        services.round_report_request(
            actor=itd, round_=frozen, format="pdf", scope="space", space=third
        )
    with pytest.raises(ValidationError):
        services.round_report_request(actor=itd, round_=frozen, format="csv", scope="programme")
    assert not Report.objects.exists()


def test_only_those_who_may_see_it_open_and_download_it(
    itd,
    coordinator,
    coordinator_there,
    officer,
    member,
    guest,
    outsider,
    frozen,
    space,
    django_capture_on_commit_callbacks,
):
    report = request(
        coordinator,
        frozen,
        django_capture_on_commit_callbacks,
        format="xlsx",
        scope="space",
        space=space,
    )
    programme = request(itd, frozen, django_capture_on_commit_callbacks, format="xlsx")
    detail = reverse("reports:detail", args=[report.pk])
    download = reverse("reports:download", args=[report.pk])
    for allowed in (itd, coordinator):
        assert may_download(allowed, report)
        assert client_for(allowed).get(download).status_code == 200
    for refused in (coordinator_there, officer, member, guest, outsider):
        assert not may_download(refused, report)
        assert report not in report_selectors.archive(refused)
        client = client_for(refused)
        assert client.get(detail).status_code == 404
        assert client.get(download).status_code == 404
    assert not may_download(coordinator, programme)
    assert (
        client_for(coordinator).get(reverse("reports:download", args=[programme.pk])).status_code
        == 404
    )


def test_the_round_page_offers_what_the_person_may_request(
    itd, coordinator, officer, member, frozen, space
):
    url = reverse("strategy:round", args=[frozen.pk])
    page = fig.page(client_for(coordinator).get(url))
    options = [o.attrs["value"] for o in page.one(data_round_report=True).find_all("option")]
    assert options == [f"space:{space.slug}"]
    page = fig.page(client_for(itd).get(url))
    options = [o.attrs["value"] for o in page.one(data_round_report=True).find_all("option")]
    assert options[0] == "programme" and len(options) == 3
    assert not fig.page(client_for(officer).get(url)).find_all(data_round_report=True)
    post = reverse("strategy:round_report", args=[frozen.pk])
    assert (
        client_for(officer)
        .post(post, {"scope": f"space:{space.slug}", "format": "pdf"})
        .status_code
        == 403
    )
    assert client_for(member).post(post, {"scope": "programme", "format": "pdf"}).status_code == 404
    assert not Report.objects.exists()


def test_requesting_on_the_round_page_leads_to_the_report_in_the_archive(
    coordinator, frozen, space, django_capture_on_commit_callbacks
):
    client = client_for(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("strategy:round_report", args=[frozen.pk]),
            {"scope": f"space:{space.slug}", "format": "xlsx"},
        )
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert (report.kind, report.subject_id, report.subject_label) == ("round", frozen.pk, "2026/1")
    page = fig.page(client.get(response["Location"]))
    assert page.one("h1").text() == "Rundenbericht (Strategie) 2026/1"
    assert page.one("a", href=frozen.get_absolute_url())
    assert report.filename.startswith("rundenbericht-2026-1-raum-")
    round_page = fig.page(client.get(frozen.get_absolute_url()))
    assert round_page.one(data_round_report=True).one("a", href=response["Location"])


# --- The archive keeps its own kinds apart ------------------------------------------------------


def test_the_archive_neither_offers_nor_schedules_a_round_report(itd, frozen):
    assert "round" not in dict(ReportRequestForm(user=itd).fields["kind"].choices)
    assert "round" not in dict(ScheduleForm(user=itd).fields["kind"].choices)
    with pytest.raises(ValidationError) as error:
        report_services.report_request(actor=itd, kind="round", format="pdf", scope="programme")
    assert "kind" in error.value.message_dict
    for values in (
        {"subject_id": None},
        {"subject_id": frozen.pk, "format": "csv"},
        {"subject_id": frozen.pk, "scope": "authority", "authority": Authority.objects.first()},
    ):
        row = {"kind": "round", "format": "pdf", "scope": "programme", **values}
        with pytest.raises(IntegrityError), transaction.atomic():
            Report.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(
            kind="portfolio", format="pdf", scope="programme", subject_id=frozen.pk
        )
