"""List pages make the same number of queries for few and for many rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.models import Authority, Person

from .conftest import client_for
from .factories import DigitalOfficerFactory, MembershipFactory, PersonFactory


def _populate(space, n: int) -> None:
    authorities = list(Authority.objects.all())
    for i in range(n):
        person = PersonFactory(authority=authorities[i % len(authorities)])
        MembershipFactory(person=person, space=space)
        if i % 5 == 0:
            DigitalOfficerFactory(person=person)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name", ["spaces:detail", "spaces:people", "spaces:matrix", "spaces:authority_list"]
)
def test_query_count_does_not_grow_with_rows(url_name, itd, space):
    kwargs = {"slug": space.slug} if url_name == "spaces:detail" else None
    url = reverse(url_name, kwargs=kwargs)
    client = client_for(itd)
    _populate(space, 5)
    client.get(url)  # the first request of a process fills its caches (content types)
    few = _count(client, url)
    _populate(space, 120)
    many = _count(client, url)
    assert few == many, f"{url}: {few} queries for few rows, {many} for many"


def _within_budget(client, url: str, budget: int) -> None:
    """The page answers 200 (a redirect or a refusal would make few queries too), in at most
    `budget` queries."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    queries = [q["sql"] for q in ctx.captured_queries]
    assert len(queries) <= budget, f"{url}: {len(queries)} queries:\n" + "\n".join(queries)


def test_space_detail_query_budget(itd, space):
    _populate(space, 60)
    client = client_for(itd)
    client.get(reverse("home"))  # warm the session
    # session, the account with its facts (portal.facts), space, roles, memberships, the
    # authorities and organisations they name (2), officers = 8 (+1 for savepoints)
    # former members (count, rows) = 2; the home: the space's projects 1, their news 2, new
    # members 1 = 4; documents (spaces.home): their section and activity = 2; content types
    # are cached per process
    client.get(space.get_absolute_url())
    # + what the apps register on spaces.home, one query each: the next meetings, new meetings
    # + the discussions' section and activity (recent threads, recent posts) = 2
    # + the documents' section and activity = 2
    # + for those who manage members: where the page's roles came from (core.role_origins) = 1
    _within_budget(client, space.get_absolute_url(), 16 + 2 + 2 + 2 + 1)


def test_people_directory_query_budget(itd, space):
    _populate(space, 60)
    client = client_for(itd)
    # session, the account with its facts (portal.facts), count, page of people, roles (nav) = 5
    _within_budget(client, reverse("spaces:people"), 6)


def test_the_directory_counts_the_people_without_joining_every_account(itd, space):
    """The count of the directory's pages reads the people and the few inactive accounts
    (user_inactive_idx), not every person joined with their account; and it is right."""
    _populate(space, 12)
    inactive = PersonFactory(user__is_active=False)
    client = client_for(itd)
    client.get(reverse("home"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("spaces:people"))
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1, counts
    assert 'JOIN "contacts_user"' not in counts[0], counts[0]
    page = response.context["page"]
    expected = Person.objects.filter(user__is_active=True).count()
    assert page.paginator.count == expected and inactive not in page.object_list


def test_matrix_query_budget(itd, space):
    _populate(space, 60)
    client = client_for(itd)
    # session, the account with its facts, spaces, authorities, memberships = 5
    _within_budget(client, reverse("spaces:matrix"), 5)
