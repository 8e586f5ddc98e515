"""Portfolio, project page, cockpit and exports: as many queries for 1,000 projects as for 10."""

from __future__ import annotations

import datetime as dt
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
    few = _count(client, reverse("portal:dashboard"))
    _bulk_projects(990, authority)
    many = _count(client, reverse("portal:dashboard"))
    assert few == many


def test_project_page_makes_the_same_number_of_queries_for_10_and_1000_projects(itd, authority):
    client = client_for(itd)
    first = _bulk_projects(10, authority)[0]
    url = first.get_absolute_url()
    few = _count(client, url)
    _bulk_projects(990, authority)
    assert _count(client, url) == few


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
