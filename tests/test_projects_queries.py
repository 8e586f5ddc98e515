"""Portfolio, project page, cockpit and exports: as many queries for 1,000 projects as for 10."""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Authority
from projects.models import BudgetLine, CostCategory, FiscalYear, FundingSource, Milestone, Project
from spaces.models import Space

from .conftest import client_for

_counter = {"n": 0}


def _bulk_projects(n: int, authority) -> list[Project]:
    """n projects over all spaces with two lines each and an overdue milestone (bulk_create)."""
    spaces = list(Space.objects.all())
    authorities = [authority, *Authority.objects.exclude(pk=authority.pk)[:5]]
    start = _counter["n"]
    _counter["n"] += n
    projects = Project.objects.bulk_create(
        Project(
            title=f"Massenprojekt {i}",
            slug=f"masse-{i}",
            primary_space=spaces[i % len(spaces)],
            lead_authority=authorities[i % len(authorities)],
            start=dt.date(2025, 1, 1),
            end=dt.date(2027, 12, 31),
            status="in_progress",
            health=("green", "amber", "red")[i % 3],
            health_reason="" if i % 3 == 0 else "Verzug",
            visibility=("public", "internal", "restricted")[i % 3],
        )
        for i in range(start, start + n)
    )
    year = FiscalYear.objects.get(year=2026)
    category = CostCategory.objects.get(code="sach")
    sources = list(FundingSource.objects.all()[:2])
    BudgetLine.objects.bulk_create(
        BudgetLine(
            project=p,
            fiscal_year=year,
            category=category,
            funding_source=source,
            planned=Decimal("100.10"),
            revised=Decimal("100.10"),
            actual=Decimal("120.00"),
        )
        for p in projects
        for source in sources
    )
    Milestone.objects.bulk_create(
        Milestone(project=p, title="Überfällig", due=dt.date(2020, 1, 1)) for p in projects
    )
    through = Project.spaces.through
    through.objects.bulk_create(
        through(project=p, space=spaces[(i + 1) % len(spaces)]) for i, p in enumerate(projects)
    )
    return projects


def _count(client, url: str) -> int:
    # The first request of a session fills per-process caches (content types, sign-in state):
    # warm up first, then count.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["itd", "officer", "outsider", "anonymous"])
def test_portfolio_makes_the_same_number_of_queries_for_10_and_1000_projects(
    role, all_roles, authority
):
    client = client_for(all_roles[role])
    _bulk_projects(10, authority)
    urls = [reverse("projects:list"), reverse("projects:list") + "?year=2026&sort=-start"]
    few = [_count(client, url) for url in urls]
    _bulk_projects(990, authority)
    many = [_count(client, url) for url in urls]
    assert few == many


@pytest.mark.parametrize("role", ["itd", "coordinator", "officer"])
def test_cockpit_makes_the_same_number_of_queries_for_10_and_1000_projects(
    role, all_roles, authority
):
    client = client_for(all_roles[role])
    _bulk_projects(10, authority)
    few = _count(client, reverse("dashboard"))
    _bulk_projects(990, authority)
    many = _count(client, reverse("dashboard"))
    assert few == many


def _grow(project: Project, n: int, since: int) -> None:
    """Give `project` n more of everything its page shows: further spaces and participating
    authorities (up to all there are), partner organisations, contact persons, milestones,
    links, and budget lines (every year x category x source, up to n per year). `since`
    numbers the new rows apart from earlier ones."""
    from projects.models import ProjectLink

    from .factories import OrganisationFactory, PersonFactory

    others = Space.objects.exclude(pk=project.primary_space_id).exclude(
        pk__in=project.spaces.values("pk")
    )
    project.spaces.add(*others[:n])
    project.participating_authorities.add(
        *Authority.objects.exclude(pk=project.lead_authority_id)
        .exclude(pk__in=project.participating_authorities.values("pk"))
        .order_by("pk")[:n]
    )
    project.partner_organisations.add(*OrganisationFactory.create_batch(n))
    # Named publicly, so every viewer of this public project sees them.
    project.contact_persons.add(*PersonFactory.create_batch(n, named_publicly=True))
    Milestone.objects.bulk_create(
        Milestone(project=project, title=f"Meilenstein {since + i}", due=dt.date(2026, 6, 1))
        for i in range(n)
    )
    ProjectLink.objects.bulk_create(
        ProjectLink(project=project, title=f"Link {since + i}", url=f"https://example.org/{i}")
        for i in range(n)
    )
    existing = set(
        BudgetLine.objects.filter(project=project).values_list(
            "fiscal_year", "category", "funding_source"
        )
    )
    for year in FiscalYear.objects.filter(year__range=(2025, 2027)):
        free = [
            (category, source)
            for category in CostCategory.objects.all()
            for source in FundingSource.objects.all()
            if (year.pk, category.pk, source.pk) not in existing
        ]
        BudgetLine.objects.bulk_create(
            BudgetLine(
                project=project,
                fiscal_year=year,
                category=category,
                funding_source=source,
                planned=Decimal("10.00"),
            )
            for category, source in free[:n]
        )


@pytest.mark.parametrize("role", ["itd", "officer", "guest", "anonymous"])
def test_project_page_makes_the_same_number_of_queries_for_10_and_1000_projects(
    role, all_roles, authority, space
):
    """The measured project grows too: from one of each (two lines) to many of each."""
    from .factories import ProjectFactory

    client = client_for(all_roles[role])
    # Public, in the officer's space and led by their authority: every role sees it; ITD and
    # the officer with its budget.
    project = ProjectFactory(primary_space=space, lead_authority=authority, visibility="public")
    _grow(project, 1, since=0)
    _bulk_projects(10, authority)
    url = project.get_absolute_url()
    few = _count(client, url)
    sizes = {
        "spaces": project.spaces.count(),
        "milestones": project.milestones.count(),
        "contacts": project.contact_persons.count(),
        "lines": BudgetLine.objects.filter(project=project).count(),
    }
    _bulk_projects(990, authority)
    _grow(project, 12, since=1)
    grown = {
        "spaces": project.spaces.count(),
        "milestones": project.milestones.count(),
        "contacts": project.contact_persons.count(),
        "lines": BudgetLine.objects.filter(project=project).count(),
    }
    assert all(grown[k] > sizes[k] for k in sizes), (sizes, grown)
    assert project.participating_authorities.count() > 1
    assert _count(client, url) == few
    # The page shows what grew (so the count above measured it).
    body = html.unescape(client.get(url).content.decode())
    shown = [f"Meilenstein {i}" for i in range(13)]
    shown += [str(p) for p in project.contact_persons.all()]
    shown += [s.name for s in project.spaces.all()]
    assert [text for text in shown if text not in body] == []


def test_exports_make_the_same_number_of_queries_for_10_and_1000_projects(itd, authority):
    client = client_for(itd)
    _bulk_projects(10, authority)
    urls = [
        reverse("projects:export", kwargs={"fmt": "csv"}),
        reverse("projects:budget_export", kwargs={"fmt": "xlsx"}),
    ]
    few = [_count(client, url) for url in urls]
    _bulk_projects(990, authority)
    assert [_count(client, url) for url in urls] == few
