"""Issue 11, point 4: help per area, a glossary linked from the fields, a printable fact sheet,
bilingual reference data and headings that read right."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils.translation import override

from core import help
from projects.models import CostCategory, FundingSource

from .conftest import client_for
from .factories import ProjectFactory

pytestmark = pytest.mark.django_db

AREA_SLUGS = {"spaces", "projects", "reports", "notifications", "collaboration", "account"}
BUDGET_TERMS = {
    "vzae",
    "vollkosten",
    "plan",
    "fortgeschriebener-plan",
    "gebunden",
    "ist",
    "verfuegbar",
    "haushaltsjahr",
    "doppelhaushalt",
    "finanzierungsquelle",
    "kostenart",
}


def _get(client, url: str, lang: str = "de") -> str:
    client.cookies["django_language"] = lang
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_there_is_a_help_page_per_area_in_german_and_english(client):
    assert {a.slug for a in help.AREAS} == AREA_SLUGS
    index = _get(client, reverse("core:help"))
    for area in help.AREAS:
        url = reverse("core:help_area", kwargs={"area": area.slug})
        assert url in index
        with override("de"):
            german = str(area.title)
        with override("en"):
            english = str(area.title)
        assert german in _get(client, url, "de")
        page = _get(client, url, "en")
        assert english in page and '<html lang="en">' in page
        assert english != german, area.slug


def test_an_unknown_help_area_is_404(client):
    assert client.get("/help/gibt-es-nicht/").status_code == 404


def test_the_glossary_explains_the_budget_terms_with_anchors(client):
    assert set(help.TERMS) >= BUDGET_TERMS
    page = _get(client, reverse("core:glossary"))
    for anchor in BUDGET_TERMS:
        assert f'id="{anchor}"' in page, anchor
    assert "Vollzeitäquivalent" in page
    english = _get(client, reverse("core:glossary"), "en")
    assert "full-time equivalent" in english and "Revised plan minus committed" in english


def test_every_glossary_link_of_a_help_page_has_its_entry(client):
    for area in help.AREAS:
        for anchor in area.terms:
            assert anchor in help.TERMS
    with pytest.raises(KeyError):
        help.glossary_url("gibt-es-nicht")


def test_the_footer_links_to_the_help(client):
    assert reverse("core:help") in _get(client, "/")


def test_the_budget_editor_links_its_columns_to_the_glossary(itd):
    project = ProjectFactory()
    page = _get(client_for(itd), reverse("projects:budget", kwargs={"slug": project.slug}))
    glossary = reverse("core:glossary")
    for anchor in ("kostenart", "finanzierungsquelle", "vzae", "plan", "fortgeschriebener-plan"):
        assert f'href="{glossary}#{anchor}"' in page, anchor
    for anchor in ("gebunden", "ist", "entgeltgruppe"):
        assert f'href="{glossary}#{anchor}"' in page, anchor
    # The link's name says which term (not only a "?").
    assert "„VZÄ“ im Glossar" in page


def test_the_project_form_hints_link_to_the_glossary(itd):
    project = ProjectFactory()
    page = _get(client_for(itd), reverse("projects:edit", kwargs={"slug": project.slug}))
    glossary = reverse("core:glossary")
    for anchor in ("federfuehrend", "ampel", "sichtbarkeit"):
        assert f'href="{glossary}#{anchor}"' in page, anchor
    # The link sits in the hint the field names with aria-describedby.
    hint = re.search(r'id="id_health_helptext">(.*?)</div>', page, re.S)
    assert hint and f"{glossary}#ampel" in hint.group(1)
    assert 'aria-describedby="id_health_helptext' in page


# --- The printable fact sheet -------------------------------------------------------------------


def test_the_print_stylesheet_hides_navigation_and_forms_and_prints_link_addresses():
    with open(finders.find("css/portal.css"), encoding="utf-8") as f:
        css = f.read()
    start = css.index("@media print")
    block = css[start:]
    for hidden in (".portal-header", ".portal-nav", ".portal-footer", ".print-hidden", "form"):
        assert hidden in block.split("display: none")[0], hidden
    assert 'a[href^="http"]::after { content: " <" attr(href) ">"' in block
    assert ".print-only { display: block" in block
    assert ".print-only { display: none; }" in css[:start]


def test_the_project_page_marks_what_is_left_out_of_the_print(itd):
    project = ProjectFactory()
    page = _get(client_for(itd), project.get_absolute_url())
    assert 'class="print-only"' in page and "Projektsteckbrief, Stand" in page
    assert f"http://testserver{project.get_absolute_url()}" in page
    assert 'class="portal-actions print-hidden"' in page  # the edit buttons
    assert 'class="kern-stack print-hidden"' in page  # the audit log
    facts = page.index('id="facts"')
    assert "print-hidden" not in page[page.rindex("<section", 0, facts) : facts]


# --- Reference data and headings in both languages ---------------------------------------------


def test_cost_categories_and_funding_sources_have_english_names():
    for model in (CostCategory, FundingSource):
        for row in model.objects.all():
            assert row.name_en, row.code
            with override("en"):
                assert str(row) == row.name_en
            with override("de"):
                assert str(row) == row.name


def test_the_budget_editor_shows_reference_data_in_english(itd):
    project = ProjectFactory()
    page = _get(client_for(itd), reverse("projects:budget", kwargs={"slug": project.slug}), "en")
    assert "Material costs" in page and "ITD strategy budget" in page
    assert "Sachkosten" not in page


def test_the_cockpit_heading_reads_right_in_both_languages(itd):
    client = client_for(itd)
    assert "Budget nach federführender Behörde" in _get(client, reverse("dashboard"))
    assert "Budget je federführende" not in _get(client, reverse("dashboard"))
    assert "Budget by lead authority" in _get(client, reverse("dashboard"), "en")


def test_the_officers_heading_reads_right_in_english(officer, authority):
    page = _get(client_for(officer), reverse("dashboard"), "en")
    assert f"Digitalisation officers of your authority: {authority.name}" in page
