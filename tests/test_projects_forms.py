"""Forms that help (issue 11, point 3): slugs from the title, limits that say what they are,
amounts in either notation, rows added without a save, no audit entry for no change, and a
friendly page after a delete."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from contacts.models import User
from core.models import AuditEntry
from core.money import parse_amount
from core.text import slugify_german
from projects.models import BudgetLine, CostCategory, FundingSource, Milestone, Project, ProjectLink

from .conftest import client_for
from .factories import ProjectFactory, budget_formset, budget_line


@pytest.fixture
def project(space, authority):
    return ProjectFactory(slug="haushalt", primary_space=space, lead_authority=authority)


def _project_data(space, authority, **overrides) -> dict:
    data = {
        "title": "Hafenlotsen Plattform",
        "slug": "",
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


def _english(user: User) -> Client:
    client = client_for(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


# --- Slugs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Hafenlotsen Plattform", "hafenlotsen-plattform"),
        ("Mobilität", "mobilitaet"),
        ("Straßen & Brücken: Öffentliche Übersicht", "strassen-bruecken-oeffentliche-uebersicht"),
        ("Café Élysée", "cafe-elysee"),
        ("  --Digitaler  Bauantrag--  ", "digitaler-bauantrag"),
        ("!!!", ""),
    ],
)
def test_slugs_spell_out_german_letters(title, slug):
    assert slugify_german(title) == slug


def test_a_long_title_gives_a_slug_cut_at_a_word():
    slug = slugify_german("Digitalisierung " * 10, max_length=40)
    assert len(slug) <= 40
    assert slug.endswith("digitalisierung")


def test_a_project_without_slug_gets_one_from_its_title(officer, space, authority):
    response = client_for(officer).post(reverse("projects:create"), _project_data(space, authority))
    assert response.status_code == 302, response.content.decode()[:3000]
    project = Project.objects.get(title="Hafenlotsen Plattform")
    assert project.slug == "hafenlotsen-plattform"
    assert response["Location"] == "/projects/hafenlotsen-plattform/"


def test_a_taken_or_reserved_slug_gets_a_number(officer, space, authority):
    ProjectFactory(slug="mobilitaet", primary_space=space, lead_authority=authority)
    ProjectFactory(slug="mobilitaet-2", primary_space=space, lead_authority=authority)
    client = client_for(officer)
    data = _project_data(space, authority, title="Mobilität")
    assert client.post(reverse("projects:create"), data).status_code == 302
    assert Project.objects.filter(title="Mobilität", slug="mobilitaet-3").exists()
    data = _project_data(space, authority, title="New")
    assert client.post(reverse("projects:create"), data).status_code == 302
    assert Project.objects.filter(title="New", slug="new-2").exists()


def test_a_typed_slug_is_kept_and_made_into_an_address(officer, space, authority):
    data = _project_data(space, authority, slug="Hafenlotsen Plattform Süd")
    assert client_for(officer).post(reverse("projects:create"), data).status_code == 302
    assert Project.objects.filter(slug="hafenlotsen-plattform-sued").exists()


def test_a_typed_slug_that_is_taken_is_still_refused_at_the_field(officer, space, project):
    data = _project_data(space, project.lead_authority, slug="haushalt")
    response = client_for(officer).post(reverse("projects:create"), data)
    assert response.status_code == 400
    assert "bereits vergeben" in " ".join(response.context["form"].errors["slug"])


def test_editing_with_an_empty_slug_keeps_the_address(itd, project, space, authority):
    url = reverse("projects:edit", kwargs={"slug": project.slug})
    data = _project_data(space, authority, title="Neuer Titel", version=project.version)
    assert client_for(itd).post(url, data).status_code == 302
    project.refresh_from_db()
    assert (project.slug, project.title) == ("haushalt", "Neuer Titel")


def test_the_slug_field_is_optional_and_previewed_from_the_title(officer):
    html = client_for(officer).get(reverse("projects:create")).content.decode()
    assert 'data-slug-from="id_title"' in html
    assert "Leer lassen" in html
    assert "js/forms" in html


# --- Limits -----------------------------------------------------------------------------------


def test_a_too_long_title_is_refused_naming_the_limit(officer, space, authority):
    data = _project_data(space, authority, title="A" * 5400)
    response = client_for(officer).post(reverse("projects:create"), data)
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["title"])
    assert "Höchstens 200 Zeichen" in message and "5400" in message
    assert not Project.objects.exists()
    html = response.content.decode()
    assert 'maxlength="200"' in html
    assert "höchstens 200 Zeichen" in html  # the hint says the limit before anything is typed


def test_a_too_long_milestone_title_is_refused_naming_the_limit(itd, project):
    data = _milestones_data(rows=[{"title": "M" * 250, "due": "2026-05-01"}])
    response = client_for(itd).post(_milestones_url(project), data)
    assert response.status_code == 400
    assert "Höchstens 200 Zeichen – Ihr Text hat 250" in response.content.decode()
    assert not Milestone.objects.exists()


@pytest.mark.parametrize("start", ["0001-01-01", "1999-12-31", "9999-12-31"])
def test_project_dates_lie_within_the_fiscal_years_the_portal_knows(
    officer, space, authority, start
):
    data = _project_data(space, authority, start=start, end="9999-12-31")
    response = client_for(officer).post(reverse("projects:create"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "zwischen 2000 und 2100" in " ".join(errors["end"])
    assert "zwischen dem 1.1.2000 und dem 31.12.2100" in response.content.decode()  # the hint
    assert not Project.objects.exists()


def test_date_pickers_offer_only_plausible_years(officer, itd, project):
    html = client_for(officer).get(reverse("projects:create")).content.decode()
    assert html.count('min="2000-01-01"') == 2 and html.count('max="2100-12-31"') == 2
    url = reverse("projects:milestones", kwargs={"slug": project.slug})
    assert 'min="2000-01-01"' in client_for(itd).get(url).content.decode()


def test_a_milestone_in_year_1_is_refused_with_the_range(itd, project):
    data = _milestones_data(rows=[{"title": "Alt", "due": "0001-01-01"}])
    response = client_for(itd).post(_milestones_url(project), data)
    assert response.status_code == 400
    assert "zwischen 2000 und 2100" in response.content.decode()
    assert not Milestone.objects.exists()


# --- Amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "text", "value"),
    [
        ("de", "1,000.50", Decimal("1000.50")),  # both separators: unambiguous
        ("de", "1.000,50", Decimal("1000.50")),
        ("de", "1.000", Decimal("1000")),
        ("de", "1,5", Decimal("1.5")),
        ("de", "1234.56", Decimal("1234.56")),
        ("en", "1,000.50", Decimal("1000.50")),
        ("en", "1.000,50", Decimal("1000.50")),
        ("en", "1,000", Decimal("1000")),
        ("en", "1,529,579", Decimal("1529579")),
        ("en", "1234.56", Decimal("1234.56")),
        ("en", "12,345", Decimal("12345")),
    ],
)
def test_amounts_are_understood_in_either_notation(language, text, value):
    assert parse_amount(text, language=language) == value


@pytest.mark.parametrize("text", ["1,00,0.50", "1.2.3", "10,00.5", "1,000,00"])
def test_badly_grouped_amounts_are_not_guessed(text):
    for language in ("de", "en"):
        with pytest.raises(ValueError):
            parse_amount(text, language=language)


def _row(category="sach", source="itd", **values) -> dict:
    return {
        "category": CostCategory.objects.get(code=category).pk,
        "funding_source": FundingSource.objects.get(code=source).pk,
        **values,
    }


def _budget_url(project, year=2026) -> str:
    return reverse("projects:budget", kwargs={"slug": project.slug}) + f"?year={year}"


def test_an_english_amount_is_understood_in_the_german_budget_editor(officer, project):
    data = budget_formset([_row(planned="1,000.50")])
    assert client_for(officer).post(_budget_url(project), data).status_code == 302
    assert BudgetLine.objects.get(project=project).planned == Decimal("1000.50")


def test_an_english_amount_is_understood_in_the_english_budget_editor(officer, project):
    client = _english(officer)
    data = budget_formset([_row(planned="1,000.50", actual="12,345")])
    assert client.post(_budget_url(project), data).status_code == 302
    line = BudgetLine.objects.get(project=project)
    assert (line.planned, line.actual) == (Decimal("1000.50"), Decimal("12345"))


def test_too_many_decimals_explain_the_german_notation(officer, project):
    response = client_for(officer).post(
        _budget_url(project), budget_formset([_row(planned="1,000")])
    )
    # "1,000" in German is one euro with three decimals: refused, with the notation explained.
    assert response.status_code == 400
    message = " ".join(response.context["formset"][0].errors["planned"])
    assert "1.000,50 sind tausend Euro" in message
    assert not BudgetLine.objects.exists()


def test_a_bad_amount_explains_the_english_notation_in_english(officer, project):
    response = _english(officer).post(
        _budget_url(project), budget_formset([_row(planned="1.000.5")])
    )
    assert response.status_code == 400
    message = " ".join(response.context["formset"][0].errors["planned"])
    assert "1,234.56" in message
    assert not BudgetLine.objects.exists()


def test_the_budget_editor_says_which_notation_it_takes(officer, project):
    html = client_for(officer).get(_budget_url(project)).content.decode()
    assert "auch die englische Schreibweise 1,234.56 wird verstanden" in html
    html = _english(officer).get(_budget_url(project)).content.decode()
    assert "the German 1.234,56 is understood too" in html


def test_amounts_are_shown_with_the_languages_separators(officer, project):
    budget_line(project, 2026, planned=Decimal("1234.50"))
    html = _english(officer).get(_budget_url(project)).content.decode()
    assert 'value="1,234.50"' in html
    assert 'value="1.234,50"' in client_for(officer).get(_budget_url(project)).content.decode()


# --- Budget editor ----------------------------------------------------------------------------


def test_the_budget_editor_opens_the_latest_year_with_lines(officer, project):
    budget_line(project, 2026)
    response = client_for(officer).get(reverse("projects:budget", kwargs={"slug": project.slug}))
    assert response.context["fiscal_year"].year == 2026


def test_adding_a_row_without_javascript_writes_nothing(officer, project):
    line = budget_line(project, 2026, planned=Decimal("10"))
    data = budget_formset(
        [
            {
                **_row(planned="10,00"),
                "line_id": str(line.pk),
                "version": str(line.version),
            },
            _row("it-dl", "eigen", planned="77"),
        ],
        initial=1,
    )
    data["add_row"] = "lines"
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 3
    assert 'value="77"' in response.content.decode()  # what was typed comes back
    assert "Es wurde nichts gespeichert" not in response.content.decode()
    assert BudgetLine.objects.filter(project=project).count() == 1
    assert not AuditEntry.objects.filter(changes__project_ref=project.pk).exists()


def test_the_budget_editor_offers_one_empty_row_and_an_add_button(officer, project):
    response = client_for(officer).get(_budget_url(project))
    assert len(response.context["formset"].forms) == 1
    html = response.content.decode()
    assert re.search(r'name="add_row"\s+value="lines"', html)
    assert 'data-empty-row="lines"' in html and "lines-__prefix__-planned" in html


def test_saving_the_grid_unchanged_writes_no_audit_entry(officer, project):
    for category in ("sach", "it-dl"):
        budget_line(
            project, 2026, category=category, planned=Decimal("1234.5"), revised=Decimal("1234.5")
        )
    before = AuditEntry.objects.count()
    client = client_for(officer)
    rows = client.get(_budget_url(project)).context["formset"].forms[:2]
    # As a person would leave them: the same amounts written another way, zeros as "0".
    data = budget_formset(
        [
            {k: v for k, v in f.initial.items() if v is not None}
            | {"planned": "1.234,50", "revised": "1234,5", "committed": "0", "actual": "0,00"}
            for f in rows
        ],
        initial=2,
    )
    assert client.post(_budget_url(project), data).status_code == 302
    assert AuditEntry.objects.count() == before
    data["lines-1-note"] = "geändert"
    assert client.post(_budget_url(project), data).status_code == 302
    assert AuditEntry.objects.count() == before + 1


# --- Milestones editor ------------------------------------------------------------------------


def _milestones_url(project) -> str:
    return reverse("projects:milestones", kwargs={"slug": project.slug})


def _milestones_data(rows: list[dict], initial: int = 0) -> dict:
    data = {
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": str(initial),
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
        "links-TOTAL_FORMS": "0",
        "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0",
        "links-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"milestones-{i}-{key}"] = value
    return data


def test_adding_a_milestone_row_without_javascript_writes_nothing(itd, project):
    data = _milestones_data([{"title": "Konzept", "due": "2026-03-31"}])
    data["add_row"] = "milestones"
    response = client_for(itd).post(_milestones_url(project), data)
    assert response.status_code == 200
    assert len(response.context["form"].milestones.forms) == 2
    assert 'value="Konzept"' in response.content.decode()
    assert not Milestone.objects.exists()
    data["add_row"] = "links"
    response = client_for(itd).post(_milestones_url(project), data)
    assert len(response.context["form"].links.forms) == 1


def test_saving_milestones_unchanged_writes_no_audit_entry(itd, project):
    milestone = Milestone.objects.create(project=project, title="Konzept", due=dt.date(2026, 3, 31))
    before = AuditEntry.objects.count()
    data = _milestones_data(
        [{"milestone_id": str(milestone.pk), "title": "Konzept", "due": "2026-03-31"}], initial=1
    )
    assert client_for(itd).post(_milestones_url(project), data).status_code == 302
    assert AuditEntry.objects.count() == before


# --- After a delete ---------------------------------------------------------------------------


def test_after_deleting_a_project_back_leads_to_a_friendly_page(itd, project):
    client = client_for(itd)
    delete_url = reverse("projects:delete", kwargs={"slug": project.slug})
    response = client.post(delete_url, {"version": project.version})
    assert response.status_code == 303
    assert response["Location"] == reverse("projects:list")
    for url in (project.get_absolute_url(), delete_url):
        gone = client.get(url)
        assert gone.status_code == 410
        html = gone.content.decode()
        assert project.title in html and f'href="{reverse("projects:list")}"' in html
    # Only the person who deleted it learns that it existed.
    assert client_for(project_outsider()).get(project.get_absolute_url()).status_code == 404


def project_outsider():
    from .factories import UserFactory

    return UserFactory()


@pytest.mark.parametrize("kind", ["milestone", "link"])
def test_after_deleting_a_milestone_or_link_back_leads_to_the_editor(itd, project, kind):
    if kind == "milestone":
        row = Milestone.objects.create(project=project, title="Konzept", due=dt.date(2026, 3, 1))
    else:
        row = ProjectLink.objects.create(project=project, title="Web", url="https://example.org")
    url = reverse(f"projects:{kind}_delete", kwargs={"slug": project.slug, "pk": row.pk})
    client = client_for(itd)
    response = client.post(url, {})
    assert response.status_code == 303
    assert response["Location"] == _milestones_url(project)
    gone = client.get(url)
    assert gone.status_code == 410
    assert f'href="{_milestones_url(project)}"' in gone.content.decode()


def test_after_deleting_a_budget_line_back_leads_to_the_budget(officer, project):
    line = budget_line(project, 2026)
    url = reverse("projects:budget_line_delete", kwargs={"slug": project.slug, "pk": line.pk})
    client = client_for(officer)
    response = client.post(url, {"version": line.version})
    assert response.status_code == 303
    gone = client.get(url)
    assert gone.status_code == 410
    assert "?year=2026" in gone.content.decode()
    assert "Zum Budget" in gone.content.decode()


# --- Pickers ----------------------------------------------------------------------------------


def test_multiple_choices_are_checkboxes_that_need_no_ctrl_key(officer, space, authority):
    html = client_for(officer).get(reverse("projects:create")).content.decode()
    assert "Strg" not in html
    assert re.search(r'type="checkbox"\s+class="kern-form-check__checkbox"\s+name="spaces"', html)
    assert html.count("data-picker-group") == 4
    assert "<legend" in html


def test_checkbox_choices_are_saved(officer, space, other_space, authority):
    data = _project_data(space, authority, spaces=[other_space.pk])
    assert client_for(officer).post(reverse("projects:create"), data).status_code == 302
    assert list(Project.objects.get().spaces.all()) == [other_space]


@pytest.mark.parametrize(
    "management",
    [
        {"lines-TOTAL_FORMS": "x"},
        {"lines-INITIAL_FORMS": "-1"},
        {"lines-INITIAL_FORMS": "zwei"},
        {"lines-TOTAL_FORMS": "-3"},
        {"lines-TOTAL_FORMS": ""},
    ],
)
def test_a_tampered_add_row_post_writes_nothing_and_answers_no_500(officer, project, management):
    data = {**budget_formset([_row(planned="5")]), **management, "add_row": "lines"}
    response = client_for(officer).post(_budget_url(project), data)
    assert response.status_code in (200, 400)
    assert not BudgetLine.objects.exists()


def test_an_unknown_add_row_value_is_an_ordinary_save(officer, project):
    data = {**budget_formset([_row(planned="5")]), "add_row": "milestones"}
    assert client_for(officer).post(_budget_url(project), data).status_code == 302
    assert BudgetLine.objects.count() == 1


def test_the_report_recipients_are_checkboxes_too(itd):
    html = client_for(itd).get(reverse("reports:schedule_new")).content.decode()
    assert "data-picker-group" in html
    assert re.search(
        r'type="checkbox"\s+class="kern-form-check__checkbox"\s+name="recipients"', html
    )
    assert '<select name="recipients"' not in html


def test_export_file_names_carry_the_date(itd):
    """XLSX and CSV downloads are named with the day they were made (issue 11)."""
    from django.urls import reverse as url_for
    from django.utils import timezone

    day = timezone.localdate().isoformat()
    client = client_for(itd)
    for fmt in ("csv", "xlsx"):
        response = client.get(url_for("projects:export", args=[fmt]))
        assert response.status_code == 200
        assert f'filename="portfolio-{day}.{fmt}"' in response["Content-Disposition"]
