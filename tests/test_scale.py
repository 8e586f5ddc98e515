"""Pages sized for people, exports streamed, caches that are never stale (issue 10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Authority
from core.rules import EVERYTHING
from projects import services
from projects.models import CostCategory, FiscalYear, FundingSource
from projects.selectors import money
from spaces.models import Membership

from .conftest import client_for
from .factories import MembershipFactory, PersonFactory, ProjectFactory


def _members(space, n: int, authority=None, last_name: str = "Mitglied") -> None:
    authorities = [authority] if authority else list(Authority.objects.current()[:4])
    for i in range(n):
        a = authorities[i % len(authorities)]
        person = PersonFactory(authority=a, user__last_name=f"{last_name}{i:03d}")
        MembershipFactory(person=person, space=space, authority=a)


def _members_section(html: str) -> str:
    """The members section of a space page (the activity stream names new members too)."""
    return html.split('id="members"', 1)[1].split("</section>", 1)[0]


def _queries(client, url: str) -> int:
    client.get(url)  # the first request of a session fills per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- The space page -------------------------------------------------------------------------


def test_space_page_shows_counts_per_authority_and_one_page_of_members(itd, space):
    bvm = Authority.objects.get(code="BVM")
    _members(space, 70, authority=bvm, last_name="Viele")
    whole = client_for(itd).get(space.get_absolute_url()).content.decode()
    page = _members_section(whole)
    assert "Wen die Mitglieder vertreten" in page
    assert f'href="?group=a{bvm.pk}#members"' in page
    assert ">70<" in page.replace(" ", "").replace("\n", "")  # the group's count
    assert "Viele000" in page and "Viele049" in page
    assert "Viele050" not in page  # 50 a page
    second = client_for(itd).get(space.get_absolute_url() + "?page=2").content.decode()
    second = _members_section(second)
    assert "Viele050" in second and "Viele069" in second and "Viele000" not in second


def test_space_page_searches_members_by_name_and_by_whom_they_represent(itd, space):
    bvm, bsw = Authority.objects.get(code="BVM"), Authority.objects.get(code="BSW")
    _members(space, 3, authority=bvm, last_name="Verkehr")
    _members(space, 3, authority=bsw, last_name="Stadt")
    client = client_for(itd)
    found = _members_section(
        client.get(space.get_absolute_url() + "?q=Verkehr001").content.decode()
    )
    assert "Verkehr001" in found and "Verkehr000" not in found and "Stadt000" not in found
    by_group = client.get(space.get_absolute_url() + f"?group=a{bsw.pk}").content.decode()
    by_group = _members_section(by_group)
    assert "Stadt002" in by_group and "Verkehr000" not in by_group
    assert "3 Mitglieder gefunden" in by_group


def test_space_page_keeps_manage_links_for_coordinators_and_only_names_for_guests(
    coordinator, guest, other_space, space
):
    _members(space, 3, last_name="Verwalt")
    page = client_for(coordinator).get(space.get_absolute_url()).content.decode()
    assert "Rolle ändern" in page and "Mitglied hinzufügen" in page
    person = PersonFactory(user__last_name="Sichtbar", function="Referentin")
    MembershipFactory(person=person, space=other_space)
    seen = client_for(guest).get(other_space.get_absolute_url()).content.decode()
    assert "Sichtbar" in seen and "Referentin" in seen
    assert person.user.email not in seen  # no contact details for guests
    assert "Wen die Mitglieder vertreten" not in seen  # nor whom people represent


def test_space_page_at_thousands_of_members_stays_small(itd, space):
    authorities = list(Authority.objects.current())
    people = PersonFactory.create_batch(600)
    Membership.objects.bulk_create(
        Membership(
            person=p,
            space=space,
            authority=authorities[i % len(authorities)],
            since=dt.date(2025, 1, 1),
        )
        for i, p in enumerate(people)
    )
    response = client_for(itd).get(space.get_absolute_url())
    assert len(response.content) < 300_000


def test_space_page_makes_the_same_number_of_queries_for_few_and_many_members(
    itd, space, django_assert_max_num_queries
):
    client = client_for(itd)
    urls = [space.get_absolute_url(), space.get_absolute_url() + "?q=Mitglied&page=2"]
    _members(space, 5)
    few = [_queries(client, url) for url in urls]
    _members(space, 120)
    many = [_queries(client, url) for url in urls]
    assert few == many
    # session, the account with its facts (portal.facts), space, roles, coordinators, members
    # by group, page of members, the authorities and organisations they name (2), officers of
    # the represented authorities = 10; the search adds the page's count.
    # Former members (count, rows) 2; the home: projects 1, their news 2, new members 1;
    # the next meetings 1, new meetings 1; recent threads 1, recent posts 1; documents 1 and
    # new documents 1; for ITD, who manages members, where the page's roles came from 1.
    with django_assert_max_num_queries(21):
        client.get(urls[0])
    with django_assert_max_num_queries(22):
        client.get(urls[1])


# --- The representation matrix ----------------------------------------------------------------


def test_matrix_counts_per_cell_and_links_to_the_names(itd, space):
    bvm = Authority.objects.get(code="BVM")
    _members(space, 4, authority=bvm, last_name="Zelle")
    page = client_for(itd).get(reverse("spaces:matrix")).content.decode()
    assert f"{space.get_absolute_url()}?group=a{bvm.pk}#members" in page
    assert "Zelle000" not in page  # names on the space page, not in the matrix


def test_matrix_makes_the_same_number_of_queries_for_few_and_many(
    itd, space, django_assert_max_num_queries
):
    client = client_for(itd)
    _members(space, 5)
    few = _queries(client, reverse("spaces:matrix"))
    _members(space, 100)
    assert _queries(client, reverse("spaces:matrix")) == few
    # session, the account with its facts (portal.facts), spaces, authorities, one grouped
    # count = 5
    with django_assert_max_num_queries(5):
        client.get(reverse("spaces:matrix"))


# --- The dashboard names a few ITD contacts ---------------------------------------------------


def test_dashboard_shows_twelve_itd_contacts_and_links_to_the_directory(officer, itd_authority):
    for i in range(30):
        PersonFactory(authority=itd_authority, user__last_name=f"Itdkontakt{i:02d}")
    page = client_for(officer).get(reverse("dashboard")).content.decode()
    assert page.count("Itdkontakt") == 12
    assert f"{reverse('spaces:people')}?authority=ITD" in page


# --- Exports stream -----------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["projects:export", "projects:budget_export"])
def test_csv_exports_stream(itd, space, authority, url_name):
    project = ProjectFactory(primary_space=space, lead_authority=authority, title="=Formel")
    services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=FiscalYear.objects.get(year=2026),
        rows=[
            services.LineInput(
                category=CostCategory.objects.get(code="sach"),
                funding_source=FundingSource.objects.get(code="itd"),
                planned=Decimal("1234.5"),
                note="@Notiz\x0b",
            )
        ],
    )
    response = client_for(itd).get(reverse(url_name, kwargs={"fmt": "csv"}))
    assert response.streaming
    chunks = list(response.streaming_content)
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=Formel" in text and "1234,50" in text
    if url_name == "projects:budget_export":
        assert "'@Notiz" in text and "\x0b" not in text


# --- Caches keyed on the budget version -------------------------------------------------------


def test_cached_programme_figures_follow_every_budget_write(itd, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    year = FiscalYear.objects.get(year=2026)
    row = {
        "category": CostCategory.objects.get(code="sach"),
        "funding_source": FundingSource.objects.get(code="itd"),
    }
    before = money.published_aggregates()["programme"].planned
    client_for(None).get(reverse("home"))  # the landing page fills the cache
    (line,) = services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=year,
        rows=[services.LineInput(**row, planned=Decimal("100.01"))],
    )
    assert money.published_aggregates()["programme"].planned == before + Decimal("100.01")
    services.budget_line_delete(actor=itd, line=line, version=line.version)
    assert money.published_aggregates()["programme"].planned == before
    services.programme_budget_set(actor=itd, amount=Decimal("42.00"))
    assert money.rollup_programme()[0].reference == Decimal("42.00")


def test_cached_cockpit_rollups_follow_a_project_moving_space(itd, space, other_space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    services.budget_lines_save(
        actor=itd,
        project=project,
        fiscal_year=FiscalYear.objects.get(year=2026),
        rows=[
            services.LineInput(
                category=CostCategory.objects.get(code="sach"),
                funding_source=FundingSource.objects.get(code="eigen"),
                planned=Decimal("77.00"),
            )
        ],
    )
    assert money.rollups(EVERYTHING).by_space[space.pk].planned == Decimal("77.00")
    services.project_update(
        actor=itd, project=project, version=project.version, primary_space=other_space
    )
    moved = money.rollups(EVERYTHING)
    assert space.pk not in moved.by_space
    assert moved.by_space[other_space.pk].planned == Decimal("77.00")


# --- The CSV written by PostgreSQL equals the CSV written by Python ---------------------------

AWKWARD = [
    "=SUMME(A1)",
    "+49 40 428",
    "-minus",
    "@mention",
    "\tTab am Anfang",
    "Zeilen\numbruch",
    "Wagen\rrücklauf",
    'Anführung "zitiert"',
    "Semi;kolon",
    "Steuer\x0bzeichen\x1b",
    "\x0b=versteckt",
    "Umlaute äöüß – €",
    "",
]


@pytest.mark.parametrize("language", ["de", "en"])
def test_csv_written_by_the_database_equals_the_csv_written_by_python(
    itd, officer, space, authority, language
):
    from django.utils import translation

    from projects import exports
    from projects.models import BudgetLine, Project
    from projects.selectors.portfolio import portfolio

    year = FiscalYear.objects.get(year=2026)
    categories = list(CostCategory.objects.all())
    sources = list(FundingSource.objects.all())
    for i, text in enumerate(AWKWARD):
        project = ProjectFactory(
            primary_space=space,
            lead_authority=authority,
            title=text or "leer",
            slug=f"awkward-{i}",
            summary=text,
            health="amber" if i % 2 else "green",
            health_reason=text or "Grund" if i % 2 else "",
            visibility=("public", "internal", "restricted")[i % 3],
        )
        for k, source in enumerate(sources[: 1 + i % 3]):
            BudgetLine.objects.create(
                project=project,
                fiscal_year=year,
                category=categories[k % len(categories)],
                funding_source=source,
                planned=Decimal("1234567.89") / (k + 1),
                revised=Decimal("0.05") * i,
                committed=Decimal("10"),
                actual=Decimal("0"),
                note=text,
                einzelplan=text[:10],
                fte=Decimal("0.5") if k == 0 else None,
                pay_grade="E 13" if k == 0 else "",
                months=6 if k == 0 else None,
            )
    # Raw SQL wrote what the forms refuse: the export must still be clean.
    Project.objects.filter(slug="awkward-0").update(title="\x01=Roh\x7f")
    ProjectFactory(primary_space=space, lead_authority=authority, slug="ohne-zeilen")
    with translation.override(language):
        for user in (itd, officer):
            for kind, table in (
                ("budget", exports.budget_lines_table),
                ("portfolio", exports.portfolio_table),
            ):
                for year_filter in (None, 2026):
                    projects = portfolio(user, year=year_filter)
                    header, rows = table(user, projects, year=year_filter)
                    by_python = b"".join(exports.csv_chunks(header, rows))
                    response = exports.csv_export(kind, user, projects, year=year_filter)
                    by_database = b"".join(response.streaming_content)
                    assert by_database == by_python, (kind, user, year_filter)
                    assert b"\x0b" not in by_database and b"'=" in by_database
