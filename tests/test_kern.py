"""Issue 11, KERN done well: money, numbers and percentages in the active language's notation,
negatives marked beyond colour, e-mail subjects as plain text."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from core.money import format_euro, format_number, format_percent

from .conftest import client_for
from .factories import ProjectFactory, budget_line


@pytest.mark.parametrize(
    ("language", "value", "shown"),
    [
        ("de", Decimal("1529579"), "1.529.579,00\u00a0€"),
        ("en", Decimal("1529579"), "€1,529,579.00"),
        ("de", Decimal("-1234"), "\u22121.234,00\u00a0€"),
        ("en", Decimal("-1234.5"), "\u2212€1,234.50"),
        ("de", Decimal("0.005"), "0,01\u00a0€"),
        ("de", None, ""),
        ("de", "kein Betrag", ""),
    ],
)
def test_money_is_written_in_the_notation_of_the_active_language(language, value, shown):
    with translation.override(language):
        assert format_euro(value) == shown


def test_percentages_and_numbers_follow_the_language_too():
    with translation.override("de"):
        assert format_percent(Decimal("55.5")) == "55,5\u00a0%"
        assert format_number(Decimal("1234.5"), 1) == "1.234,5"
        assert format_number(-3) == "\u22123"
    with translation.override("en"):
        assert format_percent(Decimal("55.5")) == "55.5%"
        assert format_number(Decimal("1234.5"), 1) == "1,234.5"
    assert format_percent(None) == ""


def render(source: str, **context) -> str:
    return Template("{% load portal %}" + source).render(Context(context))


def test_a_negative_amount_is_marked_beyond_colour_for_screen_readers_too():
    with translation.override("de"):
        html = render("{{ v|euro }}", v=Decimal("-1234"))
    assert 'class="portal-negative"' in html
    assert '<span class="visually-hidden">negativ </span>\u22121.234,00\u00a0€' in html
    with translation.override("de"):
        assert render("{{ v|euro }}", v=Decimal("1234")) == "1.234,00\u00a0€"
        assert render("{{ v|euro_text }}", v=Decimal("-1")) == "\u22121,00\u00a0€"
        assert render("{{ v|percent }}", v=None) == "–"
        assert render("{{ v|percent:0 }}", v=40) == "40\u00a0%"


@pytest.mark.django_db
def test_the_project_page_shows_an_overspent_year_with_a_minus_sign_in_both_languages(itd):
    project = ProjectFactory()
    budget_line(project, planned=Decimal("1000"), revised=Decimal("1000"), actual=Decimal("2234"))
    client = client_for(itd)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "\u22121.234,00\u00a0€" in page and "-1.234,00" not in page
    assert "223,4\u00a0%" in page
    client.cookies["django_language"] = "en"
    page = client.get(project.get_absolute_url()).content.decode()
    assert "\u2212€1,234.00" in page and '<span class="visually-hidden">negative </span>' in page
    assert "223.4%" in page
