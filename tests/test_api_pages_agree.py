"""For every demo account of `make run` (and an anonymous visitor): the projects, budget lines
and indicators the pages show are exactly those the API returns (issue 18, point 2). The pages
are read as a person reads them: the portfolio page by page, each project's page, the
strategy's pages."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from contacts.models import User
from portal.management.commands.seed_demo import DEMO_ACCOUNTS

from .conftest import client_for

pytestmark = pytest.mark.django_db

PROJECT_ROW = re.compile(r'data-project="([^"]+)"')
LINE_ROW = re.compile(r'data-line="(\d+)"')
INDICATOR_LINK = re.compile(r'href="/strategy/indicators/(\d+)/"')
STRATEGY_SPACE = re.compile(r'href="(/strategy/spaces/[^"/]+/)"')


def _portfolio(client: Client) -> set[str]:
    slugs: set[str] = set()
    page = 1
    while True:
        html = client.get("/projects/", {"page": page}).content.decode()
        found = set(PROJECT_ROW.findall(html))
        if not found or found <= slugs:
            return slugs
        slugs |= found
        page += 1


def _lines_on_pages(client: Client, slugs: set[str]) -> set[int]:
    lines: set[int] = set()
    for slug in slugs:
        lines |= {
            int(pk) for pk in LINE_ROW.findall(client.get(f"/projects/{slug}/").content.decode())
        }
    return lines


def _indicators_on_pages(client: Client) -> set[int]:
    index = client.get("/strategy/")
    if index.status_code != 200:
        return set()
    html = index.content.decode()
    found = {int(pk) for pk in INDICATOR_LINK.findall(html)}
    for url in set(STRATEGY_SPACE.findall(html)):
        found |= {int(pk) for pk in INDICATOR_LINK.findall(client.get(url).content.decode())}
    return found


def _api(client: Client, path: str, key: str) -> set:
    found: set = set()
    url: str | None = f"/api/v1/{path}/?page_size=200"
    while url:
        answer = client.get(url)
        assert answer.status_code == 200, (path, answer.content[:300])
        data = answer.json()
        found |= {item[key] for item in data["results"]}
        url = data["next"]
    return found


def test_the_pages_and_the_api_show_the_same_to_every_demo_account(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    clients = {"anonymous": Client()}
    for email, *_rest in DEMO_ACCOUNTS:
        clients[email] = client_for(User.objects.get(email=email))
    seen = {}
    for who, client in clients.items():
        projects = _portfolio(client)
        assert projects == _api(client, "projects", "slug"), who
        lines = _lines_on_pages(client, projects)
        assert lines == _api(client, "budget-lines", "id"), who
        indicators = _indicators_on_pages(client)
        assert indicators == _api(client, "indicators", "id"), who
        seen[who] = (len(projects), len(lines), len(indicators))
    # The comparison means something: the accounts see different things, and some see much.
    assert len(set(seen.values())) >= 4, seen
    assert seen["itd@example.org"][1] > 50 and seen["itd@example.org"][2] > 10, seen
    assert seen["anonymous"][1:] == (0, 0), seen
