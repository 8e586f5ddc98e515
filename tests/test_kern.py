"""Issue 11, KERN done well: money, numbers and percentages in the active language's notation,
negatives marked beyond colour, e-mail subjects as plain text."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.urls import reverse
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


# --- The page header: breadcrumbs and the language switch ------------------------------------

TRAIL = re.compile(r'<nav class="portal-breadcrumbs" aria-label="Brotkrumen">(.*?)</nav>', re.S)


def trail_of(html: str) -> list[str]:
    """The breadcrumbs' texts, the current page last and marked as such."""
    found = TRAIL.findall(html)
    assert len(found) == 1, "one breadcrumb trail per page"
    items = re.findall(r"<li>\s*(.*?)\s*</li>", found[0], re.S)
    assert 'aria-current="page"' in items[-1]
    assert all('aria-current="page"' not in item for item in items[:-1])
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


@pytest.mark.django_db
def test_the_main_pages_carry_breadcrumbs_down_to_the_page_itself(
    itd, space, member, django_capture_on_commit_callbacks
):
    from discussions.services import thread_start
    from documents.services import document_create
    from projects.models import FiscalYear
    from reports.services import report_request

    from . import document_files as files
    from .factories import make_meeting

    project = ProjectFactory(title="Hafenlotsen Plattform", primary_space=space)
    meeting = make_meeting(space=space, title="Jour fixe Mobilität")
    space_thread = thread_start(actor=itd, where=space, title="Ladesäulen", body="Wo?")
    project_thread = thread_start(actor=itd, where=project, title="Abnahme", body="Wann?")
    document = document_create(
        actor=itd,
        container=project,
        title="Steckbrief",
        upload=SimpleUploadedFile("steckbrief.pdf", files.pdf()),
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = report_request(
            actor=itd,
            kind="budget",
            format="csv",
            scope="programme",
            fiscal_year=FiscalYear.objects.get(year=2026),
        )
    client = client_for(itd)

    def trail(url: str) -> list[str]:
        response = client.get(url)
        assert response.status_code == 200, url
        return trail_of(response.content.decode())

    assert trail(space.get_absolute_url()) == ["Start", "Digitale Räume", space.name]
    assert trail(project.get_absolute_url()) == ["Start", "Projekte", "Hafenlotsen Plattform"]
    assert trail(reverse("meetings:detail", args=[meeting.pk])) == [
        "Start",
        "Digitale Räume",
        space.name,
        "Termine",
        "Jour fixe Mobilität",
    ]
    assert trail(space_thread.get_absolute_url()) == [
        "Start",
        "Digitale Räume",
        space.name,
        "Diskussionen",
        "Ladesäulen",
    ]
    assert trail(project_thread.get_absolute_url()) == [
        "Start",
        "Projekte",
        "Hafenlotsen Plattform",
        "Diskussionen",
        "Abnahme",
    ]
    assert trail(reverse("documents:detail", args=[document.pk])) == [
        "Start",
        "Projekte",
        "Hafenlotsen Plattform",
        "Dokumente",
        "Steckbrief",
    ]
    person = member.person
    assert trail(reverse("spaces:person", args=[person.pk]))[:2] == ["Start", "Personen"]
    assert trail(reverse("reports:detail", args=[report.pk]))[:2] == ["Start", "Berichte"]


@pytest.mark.django_db
def test_the_language_switch_is_a_labelled_select_with_a_button(member):
    html = client_for(member).get(reverse("portal:dashboard")).content.decode()
    form = html[html.index('<form class="portal-language"') :]
    form = form[: form.index("</form>")]
    assert '<label class="kern-label portal-language__label" for="language-select">' in form
    assert 'class="kern-form-input__select-wrapper' in form
    assert '<button class="kern-btn kern-btn--secondary' in form
