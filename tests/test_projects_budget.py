"""Editing projects and budget lines: bad input answered at the field, nothing written, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from core.money import parse_amount
from projects import services
from projects.models import BudgetLine, CostCategory, CostRate, FiscalYear, FundingSource, Project

from .conftest import client_for
from .factories import ProjectFactory, audit_of, budget_formset, budget_line


@pytest.fixture
def project(space, authority):
    return ProjectFactory(slug="haushalt", primary_space=space, lead_authority=authority)


def _ids():
    cats = {c.code: c.pk for c in CostCategory.objects.all()}
    srcs = {s.code: s.pk for s in FundingSource.objects.all()}
    return cats, srcs


def _row(category="sach", source="itd", **values) -> dict:
    cats, srcs = _ids()
    return {"category": cats[category], "funding_source": srcs[source], **values}


def _budget_url(project, year=2026) -> str:
    return reverse("projects:budget", kwargs={"slug": project.slug}) + f"?year={year}"


def test_officer_saves_the_lines_of_a_year_in_one_form(officer, project):
    data = budget_formset(
        [
            _row("sach", "itd", planned="1.234,56", committed="100", actual="0,44"),
            _row("it-dl", "eigen", planned="20000", revised="21.000,00", einzelplan="1.2"),
        ]
    )
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    lines = {line.category.code: line for line in BudgetLine.objects.filter(project=project)}
    assert lines["sach"].planned == Decimal("1234.56")
    assert lines["sach"].revised == Decimal("1234.56")  # empty revised plan = the plan
    assert lines["sach"].actual == Decimal("0.44")
    assert lines["it-dl"].revised == Decimal("21000.00")
    entries = AuditEntry.objects.filter(action="create", changes__project_ref=project.pk)
    assert entries.count() == 2


def test_personnel_line_is_computed_from_the_cost_rate_and_shows_its_basis(officer, itd, project):
    fiscal_year = FiscalYear.objects.get(year=2026)
    CostRate.objects.create(
        fiscal_year=fiscal_year, pay_grade="E 13", annual_full_cost=Decimal("98300.00")
    )
    data = budget_formset([_row("personal", "eigen", fte="1,5", pay_grade="E 13", months="8")])
    assert client_for(officer).post(_budget_url(project), data).status_code == 302
    line = BudgetLine.objects.get(project=project)
    # 1.5 x 98,300.00 x 8 / 12 = 98,300.00
    assert line.planned == Decimal("98300.00")
    assert line.revised == Decimal("98300.00")
    page = client_for(officer).get(project.get_absolute_url()).content.decode()
    assert "1,50 VZÄ × E 13 (98.300,00\u00a0€ je Jahr) × 8/12 Monate" in page

    # A new rate recomputes the open year's line (and its untouched revised plan).
    services.cost_rate_set(
        actor=itd, fiscal_year=fiscal_year, pay_grade="E 13", annual_full_cost=Decimal("100000")
    )
    line.refresh_from_db()
    assert line.planned == Decimal("100000.00")
    assert line.revised == Decimal("100000.00")


def test_a_closed_year_is_not_recomputed_when_its_rate_changes(itd, project):
    fiscal_year = FiscalYear.objects.get(year=2025)
    rate = CostRate.objects.create(
        fiscal_year=fiscal_year, pay_grade="E 11", annual_full_cost=Decimal("86000")
    )
    line = budget_line(
        project,
        2025,
        "personal",
        "eigen",
        fte=Decimal("1"),
        pay_grade="E 11",
        months=12,
        cost_rate=rate,
        planned=Decimal("86000"),
        revised=Decimal("86000"),
    )
    fiscal_year.closed = True
    fiscal_year.save()
    services.cost_rate_set(
        actor=itd, fiscal_year=fiscal_year, pay_grade="E 11", annual_full_cost=Decimal("90000")
    )
    line.refresh_from_db()
    assert line.planned == Decimal("86000.00")


BAD_AMOUNTS = [
    ("-5", "nicht negativ"),
    ("zwölf", "Betrag in Euro"),
    ("12,345", "zwei Nachkommastellen"),
    ("1.234,567", "zwei Nachkommastellen"),
    ("1.2.3", "Betrag in Euro"),
    ("12,345,6", "Betrag in Euro"),
    ("12.34.567", "Betrag in Euro"),
    ("1e5", "Betrag in Euro"),
    ("NaN", "Betrag in Euro"),
]


@pytest.mark.parametrize(("amount", "message"), BAD_AMOUNTS)
@pytest.mark.parametrize("field", ["planned", "revised", "committed", "actual"])
def test_bad_amounts_are_refused_at_the_field_and_nothing_is_written(
    officer, project, field, amount, message
):
    values = {"planned": "100", field: amount}
    data = budget_formset([_row("sach", "eigen", planned="50"), _row("sach", "itd", **values)])
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    formset = response.context["formset"]
    assert message in " ".join(formset[1].errors[field])
    html = response.content.decode()
    assert f'id="id_lines-1-{field}_error"' in html
    # The whole grid comes back with what was typed, the bad amount too.
    assert f'name="lines-1-{field}" value="{amount}"' in html
    assert 'name="lines-0-planned" value="50"' in html
    assert not BudgetLine.objects.filter(project=project).exists()


def test_two_rows_of_one_category_and_source_without_descriptions_are_refused(officer, project):
    data = budget_formset([_row("sach", "itd", planned="1"), _row("sach", "itd", planned="2")])
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    for row in response.context["formset"]:
        assert "Bitte geben Sie jeder eine Bezeichnung" in " ".join(row.errors["description"])
    assert not BudgetLine.objects.filter(project=project).exists()


def test_a_line_that_exists_already_cannot_be_added_twice(officer, project):
    budget_line(project, 2026, "sach", "itd", planned=Decimal("5"))
    # The form was opened before the line existed: it posts it as a new row.
    data = budget_formset([_row("sach", "itd", planned="7")])
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 400
    message = " ".join(response.context["formset"][0].errors["description"])
    assert "bereits eine Zeile mit dieser Kostenart und Quelle, die hier nicht steht" in message
    assert BudgetLine.objects.get(project=project).planned == Decimal("5.00")


def test_a_fiscal_year_outside_the_project_period_is_refused_at_the_field(officer, project):
    url = _budget_url(project, year=2030)
    response = client_for(officer).get(url)
    assert response.status_code == 400
    assert "außerhalb der Projektlaufzeit" in " ".join(response.context["year_form"].errors["year"])
    response = client_for(officer).post(url, budget_formset([_row(planned="1")]))
    assert response.status_code == 400
    assert not BudgetLine.objects.exists()
    for bad in ("abc", "99999"):
        response = client_for(officer).get(_budget_url(project, year=bad))
        assert response.status_code == 400


def test_the_service_refuses_a_year_outside_the_period_too(officer, project):
    cats, srcs = CostCategory.objects.first(), FundingSource.objects.first()
    with pytest.raises(services.ValidationError) as error:
        services.budget_lines_save(
            actor=officer,
            project=project,
            fiscal_year=FiscalYear.objects.get(year=2024),
            rows=[services.LineInput(category=cats, funding_source=srcs, planned=Decimal(1))],
        )
    assert "fiscal_year" in error.value.message_dict


def test_a_stale_budget_edit_is_refused_and_the_newer_values_stay(officer, itd, project):
    line = budget_line(project, 2026, "sach", "itd", planned=Decimal("100"))
    stale = {"line_id": line.pk, "version": line.version}
    # Someone else saves first.
    first = budget_formset([_row("sach", "itd", planned="200", **stale)], initial=1)
    assert client_for(itd).post(_budget_url(project), first).status_code == 302
    # The second save, based on the old version, is refused with a clear message.
    second = budget_formset([_row("sach", "itd", planned="300", **stale)], initial=1)
    response = client_for(officer).post(_budget_url(project), second)
    assert response.status_code == 400
    assert "Inzwischen hat jemand anderes" in " ".join(
        response.context["formset"][0].non_field_errors()
    )
    line.refresh_from_db()
    assert line.planned == Decimal("200.00")


def test_one_bad_row_keeps_every_other_row_unwritten(officer, project):
    line = budget_line(project, 2026, "sach", "itd", planned=Decimal("100"))
    data = budget_formset(
        [
            _row("sach", "itd", planned="150", line_id=line.pk, version=line.version),
            _row("it-dl", "itd", planned="-1"),
        ],
        initial=1,
    )
    assert client_for(officer).post(_budget_url(project), data).status_code == 400
    line.refresh_from_db()
    assert line.planned == Decimal("100.00")
    assert BudgetLine.objects.filter(project=project).count() == 1


def test_deleting_a_line_asks_first_and_keeps_it_in_the_audit_trail(officer, project):
    line = budget_line(project, 2026, "invest", "bund", planned=Decimal("4711.00"))
    url = reverse("projects:budget_line_delete", kwargs={"slug": project.slug, "pk": line.pk})
    confirm = client_for(officer).get(url)
    assert confirm.status_code == 200
    assert "Ja, löschen" in confirm.content.decode()
    assert client_for(officer).post(url, {"version": line.version}).status_code == 303
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    page = client_for(officer).get(project.get_absolute_url()).content.decode()
    assert "gelöscht" in page
    assert "4.711,00\u00a0€" in page  # the old value, in the audit trail


def test_coordinator_may_not_edit_budget_lines(coordinator, project):
    response = client_for(coordinator).post(
        _budget_url(project), budget_formset([_row(planned="1")])
    )
    assert response.status_code == 403
    assert not BudgetLine.objects.exists()


# --- Project form -----------------------------------------------------------------------------


def _project_data(space, authority, **overrides) -> dict:
    data = {
        "title": "Neues Projekt",
        "slug": "neues-projekt",
        "summary": "",
        "description": "",
        "primary_space": space.pk,
        "lead_authority": authority.pk,
        "status": "planned",
        "health": "green",
        "health_reason": "",
        "start": "2026-01-01",
        "end": "2027-12-31",
        "visibility": "internal",
    }
    data.update(overrides)
    return data


def test_officer_creates_a_project_of_their_authority(officer, space, authority):
    response = client_for(officer).post(reverse("projects:create"), _project_data(space, authority))
    assert response.status_code == 302
    project = Project.objects.get(slug="neues-projekt")
    assert project.lead_authority == authority
    assert audit_of(project).filter(action="create").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end": "2025-06-30"}, "end", "nicht vor dem Beginn"),
        ({"health": "amber"}, "health_reason", "Begründung"),
        ({"health": "red", "health_reason": "   "}, "health_reason", "Begründung"),
        ({"slug": "haushalt"}, "slug", "bereits vergeben"),
        ({"slug": "new"}, "slug", "reserviert"),
        ({"start": "31.02.2026"}, "start", "gültiges Datum"),
    ],
)
def test_bad_project_input_is_refused_at_the_field(
    itd, space, authority, project, overrides, field, message
):
    before = Project.objects.count()
    response = client_for(itd).post(
        reverse("projects:create"), _project_data(space, authority, **overrides)
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Project.objects.count() == before


def test_a_stale_project_edit_is_refused(itd, coordinator, project, space, authority):
    url = reverse("projects:edit", kwargs={"slug": project.slug})
    old_version = project.version
    first = _project_data(space, authority, slug=project.slug, title="Erste", version=old_version)
    assert client_for(itd).post(url, first).status_code == 302
    second = _project_data(space, authority, slug=project.slug, title="Zweite", version=old_version)
    response = client_for(coordinator).post(url, second)
    assert response.status_code == 400
    assert "Inzwischen hat jemand anderes" in response.content.decode()
    project.refresh_from_db()
    assert project.title == "Erste"


def test_status_and_health_changes_are_audited_with_their_date(itd, project, space, authority):
    since = dt.date(2025, 3, 1)  # the day the project's current status was set
    Project.objects.filter(pk=project.pk).update(status_changed_on=since)
    project.refresh_from_db()
    today = timezone.localdate()
    assert since != today
    url = reverse("projects:edit", kwargs={"slug": project.slug})

    def edit(**changes):
        data = _project_data(space, authority, slug=project.slug, version=project.version)
        data.update({"status": project.status, "health": project.health, **changes})
        response = client_for(itd).post(url, data)
        assert response.status_code == 302, response.context["form"].errors
        project.refresh_from_db()
        return audit_of(project).filter(action="update").latest("pk")

    entry = edit(status="on_hold", health="red", health_reason="Vergabe gestoppt")
    assert project.status == "on_hold"
    assert project.status_changed_on == today
    assert entry.changes["status"] == {"old": "in Umsetzung", "new": "pausiert"}
    assert entry.changes["status_changed_on"] == {
        "old": since.isoformat(),
        "new": today.isoformat(),
    }
    assert entry.changes["health"] == {"old": "grün", "new": "rot"}
    assert entry.changes["health_reason"] == {"old": "", "new": "Vergabe gestoppt"}
    assert timezone.localdate(entry.created_at) == today
    page = client_for(itd).get(project.get_absolute_url()).content.decode()
    assert f"pausiert (seit {today:%d.%m.%Y})" in page
    assert "in Umsetzung → pausiert" in page

    # The health alone changes: the date of the status stays, and is not in the entry.
    Project.objects.filter(pk=project.pk).update(status_changed_on=since)
    project.refresh_from_db()
    entry = edit(health="amber", health_reason="Vergabe verzögert")
    assert project.status_changed_on == since
    assert entry.changes["health"] == {"old": "rot", "new": "gelb"}
    assert "status" not in entry.changes
    assert "status_changed_on" not in entry.changes


def test_the_period_cannot_shrink_below_existing_budget_lines(itd, project):
    budget_line(project, 2027, planned=Decimal("1"))
    with pytest.raises(services.ValidationError) as error:
        services.project_update(
            actor=itd, project=project, version=project.version, end=project.end.replace(2026)
        )
    assert "end" in error.value.message_dict


def test_deleting_a_project_asks_first_and_keeps_its_lines_in_the_audit_trail(itd, project):
    line = budget_line(project, 2026, planned=Decimal("12.34"))
    url = reverse("projects:delete", kwargs={"slug": project.slug})
    assert "Ja, löschen" in client_for(itd).get(url).content.decode()
    # A confirmation from a page read before the last change is refused.
    stale = client_for(itd).post(url, {"version": project.version + 1})
    assert stale.status_code == 400
    assert "Inzwischen hat jemand anderes" in stale.content.decode()
    assert client_for(itd).post(url, {"version": project.version}).status_code == 303
    assert not Project.objects.filter(pk=project.pk).exists()
    assert AuditEntry.objects.filter(
        action="delete", object_id=str(line.pk), changes__project_ref=project.pk
    ).exists()


def test_milestones_are_saved_and_overdue_ones_marked(itd, project):
    url = reverse("projects:milestones", kwargs={"slug": project.slug})
    data = {
        "milestones-TOTAL_FORMS": "2",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
        "milestones-0-title": "Konzept",
        "milestones-0-due": "2020-01-31",
        "milestones-1-title": "",
        "links-TOTAL_FORMS": "1",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
        "links-0-title": "Website",
        "links-0-url": "https://example.org/projekt",
    }
    assert client_for(itd).post(url, data).status_code == 302
    page = client_for(itd).get(project.get_absolute_url()).content.decode()
    assert "Konzept" in page
    assert "überfällig" in page
    bad = {**data, "milestones-0-due": "morgen", "links-0-url": "kein link"}
    response = client_for(itd).post(url, bad)
    assert response.status_code == 400
    assert project.milestones.count() == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.234,56", Decimal("1234.56")),
        ("1234,5", Decimal("1234.5")),
        ("1.529.579", Decimal("1529579")),
        ("1234.56", Decimal("1234.56")),
        ("12 500,00 €", Decimal("12500.00")),
    ],
)
def test_german_amounts_are_understood(text, value):
    assert parse_amount(text, language="de") == value


def test_cost_rates_and_programme_budget_are_itd_only_and_validated(itd, officer):
    url = reverse("projects:programme_budget")
    assert client_for(officer).post(url, {"amount": "1"}).status_code == 403
    response = client_for(itd).post(url, {"amount": "1,001"})
    assert response.status_code == 400
    assert "zwei Nachkommastellen" in " ".join(response.context["form"].errors["amount"])
    assert client_for(itd).post(url, {"amount": "2.000.000,00"}).status_code == 302
    assert "2.000.000,00\u00a0€" in client_for(itd).get(url).content.decode()
    rates = reverse("projects:cost_rates")
    bad = client_for(itd).post(
        rates, {"fiscal_year": "2026", "pay_grade": "E 13", "annual_full_cost": "-3"}
    )
    assert bad.status_code == 400
    assert not CostRate.objects.exists()
    good = client_for(itd).post(
        rates, {"fiscal_year": "2026", "pay_grade": "E 13", "annual_full_cost": "98.300,00"}
    )
    assert good.status_code == 302
    assert CostRate.objects.get().annual_full_cost == Decimal("98300.00")


def test_tampered_or_incomplete_posts_answer_400_not_500(officer, itd, project, other_space):
    other = ProjectFactory(slug="anderes", primary_space=other_space)
    foreign_line = budget_line(other, 2026, planned=Decimal("9"))
    client = client_for(officer)
    # No management form at all.
    assert client.post(_budget_url(project), {}).status_code == 400
    # A line of another project smuggled into this project's form.
    data = budget_formset(
        [_row(planned="1", line_id=foreign_line.pk, version=foreign_line.version)], initial=1
    )
    assert client.post(_budget_url(project), data).status_code == 400
    foreign_line.refresh_from_db()
    assert foreign_line.planned == Decimal("9.00")
    # Milestones: unknown id, missing management form.
    url = reverse("projects:milestones", kwargs={"slug": project.slug})
    assert client_for(itd).post(url, {}).status_code == 400
    tampered = {
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-milestone_id": "999999",
        "milestones-0-title": "X",
        "milestones-0-due": "2026-01-01",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
    }
    response = client_for(itd).post(url, tampered)
    assert response.status_code == 400
    assert "Dieser Meilenstein gehört nicht (mehr) zu diesem Projekt" in response.content.decode()
    # A stale delete.
    line = budget_line(project, 2026, planned=Decimal("1"))
    delete = reverse("projects:budget_line_delete", kwargs={"slug": project.slug, "pk": line.pk})
    assert client.post(delete, {"version": line.version + 1}).status_code == 400
    assert BudgetLine.objects.filter(pk=line.pk).exists()
