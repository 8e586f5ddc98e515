"""The strategy's pages as people use them: forms that create and refuse with a clear message
and nothing half-saved, the status in words, figures equal to SQL, the comparison in words,
both languages, and query counts that do not grow with the strategy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import User
from core.dates import today
from projects.models import BudgetLine
from strategy import services
from strategy.models import (
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    PathPoint,
    Round,
    Submission,
    SubmittedValue,
)

from .conftest import client_for
from .factories import ProjectFactory, budget_line, strategy_tree
from .pages import text_of

pytestmark = pytest.mark.django_db


def _post(user: User, url: str, data: dict, status: int = 302) -> Any:
    response = client_for(user).post(url, data)
    assert response.status_code == status, response.content.decode()[:2000]
    return response


def test_a_coordinator_builds_a_goal_with_a_measure_and_an_indicator(
    coordinator, officer, space, authority
):
    _post(
        coordinator,
        reverse("strategy:goal_create", args=[space.slug]),
        {"code": "ME-1", "title": "Verkehr digital steuern"},
    )
    goal = Goal.objects.get(code="ME-1")
    _post(
        coordinator,
        reverse("strategy:measure_create", args=[goal.pk]),
        {
            "code": "ME-1.1",
            "title": "Verkehrsdaten in Echtzeit",
            "lead_authority": authority.pk,
            "responsible": officer.person.pk,
            "starts_on": "01.01.2026",
            "ends_on": "2027-12-31",
        },
    )
    measure = Measure.objects.get(code="ME-1.1")
    assert measure.responsible == officer.person
    _post(
        coordinator,
        reverse("strategy:indicator_create", args=[goal.pk]),
        {
            "name": "Ampeln online",
            "unit": "%",
            "direction": "up",
            "measure": measure.pk,
            "baseline_value": "12,5",
            "baseline_on": "01.01.2025",
            "target_value": "80",
            "target_on": "31.12.2027",
            "path": "31.12.2026: 40\n",
        },
    )
    indicator = Indicator.objects.get(name="Ampeln online")
    assert indicator.baseline_value == Decimal("12.5")
    assert list(PathPoint.objects.values_list("value", flat=True)) == [Decimal(40)]
    # The officer of the lead authority enters a value; the page says the status in words.
    _post(
        officer,
        reverse("strategy:value_add", args=[indicator.pk]),
        {"on": (today() - dt.timedelta(days=1)).isoformat(), "value": "1,5"},
    )
    page = text_of(client_for(officer).get(indicator.get_absolute_url()))
    assert "nicht im Plan" in page and "1,5" in page


def test_an_indicator_without_a_baseline_is_refused_with_the_reason(coordinator, space, authority):
    goal, _measure, _ = strategy_tree(space=space, authority=authority)
    response = _post(
        coordinator,
        reverse("strategy:indicator_create", args=[goal.pk]),
        {"name": "Quote", "unit": "%", "direction": "up", "target_value": "5"},
        status=400,
    )
    page = text_of(response)
    assert "Ausgangswert" in page and "Pflicht" in page
    response = _post(
        coordinator,
        reverse("strategy:indicator_create", args=[goal.pk]),
        {
            "name": "Quote",
            "unit": "%",
            "direction": "up",
            "baseline_value": "1",
            "baseline_on": "2027-01-01",
            "target_value": "5",
            "target_on": "2026-01-01",
            "path": "irgendwann: 3",
        },
        status=400,
    )
    page = text_of(response)
    assert "Zeile 1" in page
    assert not Indicator.objects.filter(name="Quote").exists()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("4.5.6", "Bitte eine Zahl eingeben"),
        ("1,23456", "Höchstens vier Nachkommastellen"),
        ("", "Dieses Feld ist zwingend erforderlich"),
    ],
)
def test_a_bad_value_is_named_and_nothing_is_stored(officer, space, authority, raw, message):
    _goal, _measure, (_g, indicator) = strategy_tree(space=space, authority=authority)
    response = _post(
        officer,
        reverse("strategy:value_add", args=[indicator.pk]),
        {"on": today().isoformat(), "value": raw},
        status=400,
    )
    assert message in text_of(response)
    assert not IndicatorValue.objects.exists()


def test_a_value_in_the_future_or_in_a_closed_period_is_refused(itd, officer, space, authority):
    _goal, _measure, (_g, indicator) = strategy_tree(space=space, authority=authority)
    url = reverse("strategy:value_add", args=[indicator.pk])
    future = (today() + dt.timedelta(days=2)).isoformat()
    assert "Zukunft" in text_of(_post(officer, url, {"on": future, "value": "3"}, status=400))
    round_ = services.round_open(
        actor=itd,
        name="2026/1",
        period_start=today() - dt.timedelta(days=60),
        period_end=today() - dt.timedelta(days=10),
        deadline=today() - dt.timedelta(days=5),
        spaces=[space],
    )
    services.round_freeze(actor=itd, round_=round_)
    closed = (today() - dt.timedelta(days=20)).isoformat()
    page = text_of(_post(officer, url, {"on": closed, "value": "3"}, status=400))
    assert "abgeschlossen" in page and "2026/1" in page
    assert not IndicatorValue.objects.exists()


def test_the_measure_page_shows_its_projects_budget_as_sql_sums_it(
    coordinator, member, guest, space, authority
):
    projects = [ProjectFactory(primary_space=space, lead_authority=authority) for _ in range(2)]
    budget_line(projects[0], planned=Decimal("1000.50"), actual=Decimal("10.25"))
    budget_line(projects[1], 2027, planned=Decimal("99.99"), actual=Decimal("0.01"))
    _goal, measure, _ = strategy_tree(space=space, authority=authority, projects=projects)
    sums = BudgetLine.objects.filter(project__in=projects).aggregate(
        planned=Sum("planned"), actual=Sum("actual")
    )
    response = client_for(coordinator).get(measure.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-figure="planned">1.100,49\xa0€' in html
    assert sums["planned"] == Decimal("1100.49")
    assert f'data-figure="actual">{sums["actual"]:.2f}'.replace(".", ",") in html
    # Guests never see a budget and the guest of another space not the measure at all.
    assert client_for(guest).get(measure.get_absolute_url()).status_code == 404


def test_an_officer_submits_and_the_round_page_lists_it(itd, officer, space, authority):
    _goal, measure, (_g, indicator) = strategy_tree(
        space=space, authority=authority, responsible=officer.person
    )
    round_ = services.round_open(
        actor=itd,
        name="2026/2",
        period_start=today() - dt.timedelta(days=30),
        period_end=today(),
        deadline=today() + dt.timedelta(days=7),
        spaces=[space],
    )
    submission = Submission.objects.get(round=round_, measure=measure)
    url = submission.get_absolute_url()
    # Submitting without rating, light or text: every missing piece named, nothing saved.
    response = _post(officer, url, {"submit": "1", f"value_{indicator.pk}": "45"}, status=400)
    page = text_of(response)
    for missing in ("Umsetzungsstand", "Ampel", "Bericht", "Stichtag"):
        assert missing in page
    assert Submission.objects.get(pk=submission.pk).status == "draft"
    _post(
        officer,
        url,
        {
            "submit": "1",
            "rating": "substantial",
            "light": "green",
            "text": "Läuft.",
            f"value_{indicator.pk}": "45,5",
            f"on_{indicator.pk}": today().isoformat(),
        },
    )
    assert Submission.objects.get(pk=submission.pk).status == "submitted"
    page = text_of(client_for(itd).get(round_.get_absolute_url()))
    assert "weitgehend umgesetzt" in page and "eingereicht" in page
    # ITD returns it with a comment; accepted later with its own, differing rating.
    review = reverse("strategy:submission_review", args=[submission.pk])
    _post(itd, review, {"decision": "return", "comment": ""}, status=400)
    _post(itd, review, {"decision": "return", "comment": "Quelle fehlt."})
    assert "Quelle fehlt." in text_of(client_for(officer).get(url))


def test_a_frozen_round_refuses_a_report_with_the_reason(itd, officer, space, authority):
    _goal, measure, _ = strategy_tree(space=space, authority=authority)
    round_ = services.round_open(
        actor=itd,
        name="2026/2",
        period_start=today(),
        period_end=today(),
        deadline=today(),
        spaces=[space],
    )
    services.round_freeze(actor=itd, round_=round_)
    submission = Submission.objects.get(round=round_, measure=measure)
    response = _post(officer, submission.get_absolute_url(), {"text": "x"}, status=403)
    assert "eingefroren" in text_of(response)
    assert Submission.objects.get(pk=submission.pk).text == ""


def test_the_comparison_names_what_got_better_and_worse(itd, officer, space, authority):
    _goal, measure, _ = strategy_tree(space=space, authority=authority)
    ratings = ["limited", "complete"]
    rounds = []
    for i, rating in enumerate(ratings):
        round_ = services.round_open(
            actor=itd,
            name=f"Runde {i}",
            period_start=today() - dt.timedelta(days=10 - i),
            period_end=today() - dt.timedelta(days=5 - i),
            deadline=today(),
            spaces=[space],
        )
        submission = Submission.objects.get(round=round_, measure=measure)
        services.submission_save(
            actor=officer,
            submission=submission,
            rating=rating,
            light="amber",
            text="x",
            submit=True,
        )
        services.round_freeze(actor=itd, round_=round_)
        rounds.append(round_)
    url = reverse("strategy:round_compare", args=[rounds[1].pk]) + f"?with={rounds[0].pk}"
    page = text_of(client_for(itd).get(url))
    assert "besser" in page and "begrenzt umgesetzt → vollständig umgesetzt" in page


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_pages_read_in_both_languages(itd, space, authority, lang):
    goal, measure, (_g, indicator) = strategy_tree(space=space, authority=authority)
    client = client_for(itd)
    client.cookies["django_language"] = lang
    expected = {"de": "Kennzahlen", "en": "Indicators"}[lang]
    for url in (
        reverse("strategy:index"),
        reverse("strategy:space", args=[space.slug]),
        goal.get_absolute_url(),
        measure.get_absolute_url(),
        indicator.get_absolute_url(),
        reverse("strategy:rounds"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert expected in text_of(client.get(measure.get_absolute_url()))


def _many(space, authority, n: int) -> None:
    goal = Goal.objects.create(space=space, code=f"N{n}", title="Viele")
    start = today() - dt.timedelta(days=100)
    measures = Measure.objects.bulk_create(
        Measure(
            goal=goal,
            code=f"N{n}.{i}",
            title="M",
            lead_authority=authority,
            starts_on=start,
            ends_on=start + dt.timedelta(days=400),
        )
        for i in range(n)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            goal=goal,
            measure=m,
            name="K",
            unit="%",
            baseline_value=Decimal(1),
            baseline_on=start,
            target_value=Decimal(2),
            target_on=start + dt.timedelta(days=400),
        )
        for m in measures
    )
    IndicatorValue.objects.bulk_create(
        IndicatorValue(indicator=i, on=today(), value=Decimal("1.5")) for i in indicators
    )


@pytest.mark.parametrize(
    "url_name", ["strategy:index", "strategy:space", "strategy:rounds", "strategy:round"]
)
def test_query_counts_do_not_grow_with_the_strategy(itd, space, authority, url_name):
    client = client_for(itd)
    _many(space, authority, 10)
    round_ = Round.objects.create(
        name="R", period_start=today(), period_end=today(), deadline=today()
    )
    round_.spaces.add(space)
    args = {"strategy:space": [space.slug], "strategy:round": [round_.pk]}.get(url_name)
    url = reverse(url_name, args=args)

    def reports() -> None:
        """A report of every measure in the round (as opening it would write them)."""
        done = Submission.objects.filter(round=round_).values("measure_id")
        Submission.objects.bulk_create(
            Submission(round=round_, measure=m) for m in Measure.objects.exclude(pk__in=done)
        )

    reports()
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    _many(space, authority, 1000)
    reports()
    assert Submission.objects.filter(round=round_).count() == 1010
    assert count() == few


def test_the_strategy_shows_where_people_work(itd, coordinator, officer, guest, space, authority):
    """The dashboard's "what needs attention first", the space page, the project page, search."""
    project = ProjectFactory(primary_space=space, lead_authority=authority, visibility="internal")
    goal, measure, _ = strategy_tree(
        space=space, authority=authority, responsible=officer.person, projects=[project]
    )
    Measure.objects.filter(pk=measure.pk).update(title="Verkehrsdaten in Echtzeit")
    round_ = services.round_open(
        actor=itd,
        name="2026/2",
        period_start=today() - dt.timedelta(days=30),
        period_end=today(),
        deadline=today() - dt.timedelta(days=1),
        spaces=[space],
    )
    dashboard = client_for(officer).get(reverse("dashboard")).content.decode()
    assert "data-attention-reports" in dashboard and "2026/2" in dashboard
    overdue = client_for(coordinator).get(reverse("dashboard")).content.decode()
    assert "data-attention-reports-overdue" in overdue
    assert (
        "data-attention-reports" not in client_for(guest).get(reverse("dashboard")).content.decode()
    )
    space_page = client_for(coordinator).get(space.get_absolute_url()).content.decode()
    assert "data-strategy-goals" in space_page and goal.title in space_page
    project_page = client_for(coordinator).get(project.get_absolute_url()).content.decode()
    assert "data-strategy-measures" in project_page and "Verkehrsdaten in Echtzeit" in project_page
    found = text_of(client_for(itd).get(reverse("search:search"), {"q": "Verkehrsdaten"}))
    assert "Verkehrsdaten in Echtzeit" in found
    hidden = text_of(client_for(guest).get(reverse("search:search"), {"q": "Verkehrsdaten"}))
    assert "Verkehrsdaten in Echtzeit" not in hidden
    assert round_.pk


def test_an_officer_delivers_the_rounds_csv_through_the_page(itd, officer, space, authority):
    _goal, measure, (_g, indicator) = strategy_tree(
        space=space, authority=authority, responsible=officer.person
    )
    round_ = services.round_open(
        actor=itd,
        name="2026/2",
        period_start=today() - dt.timedelta(days=30),
        period_end=today(),
        deadline=today() + dt.timedelta(days=7),
        spaces=[space],
    )
    client = client_for(officer)
    exported = client.get(reverse("strategy:round_export", args=[round_.pk]))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    lines = exported.content.decode("utf-8-sig").splitlines()
    row = lines[1].split(";")
    row[4], row[5], row[6], row[10], row[11] = (
        "limited",
        "amber",
        "Pilot",
        today().isoformat(),
        "45,5",
    )
    changed = "\r\n".join([lines[0], ";".join(row)]).encode("utf-8-sig")
    upload = SimpleUploadedFile("runde.csv", changed, content_type="text/csv")
    url = reverse("strategy:round_import", args=[round_.pk])
    response = client.post(url, {"file": upload})
    assert response.status_code == 302, text_of(response)[:3000]
    value = SubmittedValue.objects.get(indicator=indicator)
    assert value.value == Decimal("45.5")
    bad = ";".join([*row[:11], "45.5", *row[12:]])
    upload = SimpleUploadedFile(
        "runde.csv", f"{lines[0]}\r\n{bad}".encode(), content_type="text/csv"
    )
    page = text_of(client.post(url, {"file": upload}))
    assert "Zeile 2" in page
    assert SubmittedValue.objects.get(indicator=indicator).value == Decimal("45.5")
    assert Submission.objects.get(round=round_, measure=measure).status == "draft"
