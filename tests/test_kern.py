"""Issue 11, KERN done well: money, numbers and percentages in the active language's notation,
negatives marked beyond colour, e-mail subjects as plain text."""

from __future__ import annotations

import html as html_lib
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import Client
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
    for name, current in (
        ("projects:budget", "Budget bearbeiten"),
        ("projects:milestones", "Meilensteine und Links"),
        ("projects:edit", "Projekt bearbeiten"),
    ):
        url = reverse(name, kwargs={"slug": project.slug})
        assert trail(url) == ["Start", "Projekte", "Hafenlotsen Plattform", current]
    assert trail(reverse("projects:create")) == ["Start", "Projekte", "Projekt anlegen"]
    person = member.person
    assert trail(reverse("spaces:person", args=[person.pk]))[:2] == ["Start", "Personen"]
    assert trail(reverse("reports:detail", args=[report.pk]))[:2] == ["Start", "Berichte"]


@pytest.mark.django_db
def test_the_language_switch_is_a_labelled_select_with_a_button(member):
    html = client_for(member).get(reverse("dashboard")).content.decode()
    form = html[html.index('<form class="portal-language"') :]
    form = form[: form.index("</form>")]
    assert '<label class="kern-label portal-language__label" for="language-select">' in form
    assert 'class="kern-form-input__select-wrapper' in form
    assert '<button class="kern-btn kern-btn--secondary' in form


# --- allauth in the portal's style and voice --------------------------------------------------

DU = re.compile(r"\b(du|dich|dir|dein|deine|deinen|deiner|Du|Dich|Dir|Dein|Deine)\b")


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


@pytest.mark.django_db
def test_the_password_reset_speaks_with_sie_and_greets_from_the_portal(
    member, django_capture_on_commit_callbacks
):
    from django.core import mail

    client = Client()
    page = main_of(client.get(reverse("account_reset_password")))
    assert "kern-btn kern-btn--primary" in page and "Passwort vergessen" in page
    assert "Geben Sie die E-Mail-Adresse Ihres Kontos an" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    done = main_of(client.get(response["Location"]))
    assert "E-Mail ist unterwegs" in done and not DU.search(done)
    message = mail.outbox[-1]
    assert message.subject == "[Digitale Räume] Passwort zurücksetzen"
    assert message.body.startswith("Guten Tag,")
    assert "Ihr Portal Digitale Räume Hamburg" in message.body
    assert "Hallo von" not in message.body and "Hello from" not in message.body
    assert "/accounts/password/reset/key/" in message.body
    assert not DU.search(message.body)


@pytest.mark.django_db
def test_an_unknown_address_gets_a_mail_in_the_portals_voice_without_a_signup_link(
    django_capture_on_commit_callbacks,
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account_reset_password"), {"email": "niemand@example.org"})
    body = mail.outbox[-1].body
    assert "Zu dieser Adresse gibt es im Portal kein Konto." in body
    assert "signup" not in body and not DU.search(body)


@pytest.mark.django_db
def test_logout_email_and_recovery_code_pages_are_portal_pages(itd):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from .conftest import totp_code
    from .factories import PASSWORD

    RecoveryCodes.activate(itd)
    client = Client()  # a fresh sign-in with both factors: the codes need no re-authentication
    client.post(reverse("account_login"), {"login": itd.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    pages = {
        reverse("account_logout"): "Möchten Sie sich vom Portal abmelden?",
        reverse("account_email"): "Diese E-Mail-Adressen gehören zu Ihrem Konto:",
        reverse("mfa_view_recovery_codes"): "Wiederherstellungscodes",
        reverse("mfa_generate_recovery_codes"): "Neue Wiederherstellungscodes",
    }
    for url, text in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = main_of(response)
        assert text in page, url
        assert 'class="kern-heading-large"' in page and "kern-btn" in page, url
        assert not DU.search(page), url
        assert 'class="portal-subnav"' in response.content.decode() or "Konto" in page, url


@pytest.mark.django_db
def test_the_invitation_subject_is_plain_text_not_escaped_html(
    coordinator, space, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.models import Notification

    from .test_invitations import _invite

    assert space.name == "Mobilität & Energie"
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client_for(coordinator), space)
    expected = "[Digitale Räume] Einladung in den Digitalen Raum „Mobilität & Energie“"
    assert mail.outbox[-1].subject == expected
    assert Notification.objects.get(kind="invitation_sent").title == expected


def test_every_mail_template_renders_text_without_html_escaping():
    """Subjects and plain-text bodies are text: a template for them escapes nothing."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.BASE_DIR) / "templates"
    texts = [p for p in root.rglob("*.txt") if "email" in p.parts or "messages" in p.parts]
    assert texts
    for path in texts:
        source = path.read_text()
        if "{% extends" in source:
            continue  # the base it extends is checked itself, its blocks render inside it
        assert "{% autoescape off %}" in source, path


# --- Charts: axis, values, legend -------------------------------------------------------------


def test_the_year_chart_has_an_axis_in_millions_and_writes_each_bars_value():
    from types import SimpleNamespace

    from projects.presenters import nice_ceiling, year_chart

    assert [nice_ceiling(v) for v in (0.7, 1, 1.3, 2.2, 4, 7, 23, 180)] == [
        1,
        1,
        2,
        Decimal("2.5"),
        5,
        10,
        25,
        200,
    ]
    rows = [
        SimpleNamespace(
            label="2025",
            figures=SimpleNamespace(planned=Decimal("1529579"), actual=Decimal("848000")),
        ),
        SimpleNamespace(
            label="2026",
            figures=SimpleNamespace(planned=Decimal("2100000"), actual=Decimal("0")),
        ),
    ]
    with translation.override("de"):
        chart = year_chart(rows)
    texts = [t.text for t in chart.texts]
    assert texts[0] == "Mio. €"  # the axis names its unit
    ticks = [t.text for t in chart.texts if t.css == "portal-chart-tick"][1:]
    assert ticks == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5"]  # 2,1 Mio. -> axis up to 2,5
    values = [t.text for t in chart.texts if t.css == "portal-chart-value"]
    assert values == ["1,5", "0,8", "2,1", "0,0"]
    assert {css for *_xy, css in chart.lines} == {"portal-chart-axis", "portal-chart-grid"}
    tallest = max(bar.height for bar in chart.bars)
    assert tallest == pytest.approx((250 - 28 - 30) * 2.1 / 2.5)
    assert chart.bars[0].label == "2025 Plan: 1.529.579,00\u00a0€"


def test_the_health_chart_counts_on_an_axis_and_in_each_segment():
    from types import SimpleNamespace

    from projects.presenters import health_chart

    rows = [SimpleNamespace(space=SimpleNamespace(name="Mobilität"), total=7, by_health=[4, 2, 1])]
    chart = health_chart(rows, [("green", "grün"), ("amber", "gelb"), ("red", "rot")])
    inside = [t.text for t in chart.texts if t.css.startswith("portal-chart-value-inside")]
    assert inside == ["4", "2", "1"]
    assert "7" in [t.text for t in chart.texts if t.css == "portal-chart-label"]
    ticks = [t.text for t in chart.texts if t.css == "portal-chart-tick"]
    assert ticks[0] == "0" and "Anzahl Projekte" in ticks


@pytest.mark.django_db
def test_the_cockpit_draws_axes_values_and_a_legend_beside_its_tables(itd):
    project = ProjectFactory()
    budget_line(project, planned=Decimal("1529579"), revised=Decimal("1529579"))
    page = client_for(itd).get(reverse("dashboard")).content.decode()
    assert page.count('class="portal-chart-axis"') >= 3
    assert 'class="portal-chart-value"' in page and ">1,5</text>" in page
    assert page.count('aria-label="Legende"') == 2
    assert "1.529.579,00\u00a0€" in page  # the same figure in the table


@pytest.mark.django_db
def test_allauths_own_messages_and_errors_speak_with_sie(member):
    """django-allauth's German says "du"; locale/de overrides its strings in the portal's voice."""
    client = client_for(member)
    response = client.post(reverse("account_logout"), follow=True)
    assert "Sie haben sich abgemeldet." in response.content.decode()
    # allauth's msgids, looked up at run time (a literal in gettext() would enter our catalogue)
    sie = {
        "You must type the same password each time.": (
            "Bitte geben Sie zweimal dasselbe Passwort ein."
        ),
        "Please type your current password.": "Bitte geben Sie Ihr aktuelles Passwort ein.",
    }
    with translation.override("de"):
        for msgid, german in sie.items():
            assert translation.gettext(msgid) == german


def test_the_german_override_catalogue_has_no_du():
    import polib
    from django.conf import settings

    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/de/LC_MESSAGES/django.po"))
    assert len(catalogue) > 30
    for entry in catalogue:
        assert not DU.search(entry.msgstr), entry.msgstr
        assert not re.search(r"\b(hast|bist|kannst|musst|möchtest)\b", entry.msgstr), entry.msgstr


ACCOUNT_PAGES = [
    "account_change_password",
    "account_email",
    "account_logout",
    "account_reauthenticate",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_deactivate_totp",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "usersessions_list",
]
DU_VERBS = re.compile(r"\b(Gib|gib|Wähle|wähle|Melde|melde|[Bb]estätige|hast|bist|kannst|musst)\b")


@pytest.mark.django_db
def test_every_account_page_is_a_portal_page_in_the_sie_voice(itd):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    from .conftest import totp_code
    from .factories import PASSWORD

    RecoveryCodes.activate(itd)
    client = Client()
    client.post(reverse("account_login"), {"login": itd.email, "password": PASSWORD})
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    for name in ACCOUNT_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        page = main_of(response)
        assert "kern-heading" in page, name
        assert not DU.search(page) and not DU_VERBS.search(page), name
