"""The REST API (/api/v1/): the pages' scopes, rules and services, conditional requests, one
error body. Authentication by token is in tests/test_api_tokens.py; the contract against the
schema in tests/test_api_contract.py."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from core.dates import today
from projects.models import BudgetLine, Project
from strategy.models import IndicatorValue

from .conftest import client_for
from .factories import ProjectFactory, budget_line, strategy_tree

pytestmark = pytest.mark.django_db


def _json(response):
    return json.loads(response.content)


def test_the_api_answers_json_with_its_links(client):
    root = client.get("/api/v1/")
    assert root.status_code == 200
    assert set(_json(root)) >= {"project", "budget-line", "indicator", "schema", "docs"}
    unknown = client.get("/api/v1/no-such-thing/")
    assert unknown.status_code == 404
    assert unknown["Content-Type"] == "application/json"
    assert _json(unknown)["code"] == "not_found"


def test_the_schema_and_its_docs_are_served_by_the_portal(client):
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200
    spec = _json(schema)
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/projects/" in spec["paths"]
    assert "Error" in spec["components"]["schemas"]
    patch = spec["paths"]["/api/v1/projects/{slug}/"]["patch"]["responses"]
    assert {"412", "428", "429"} <= set(patch)
    docs = client.get(reverse("api:docs")).content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle" in docs
    assert "cdn" not in docs.lower()
    guide = client.get(reverse("api:guide")).content.decode()
    assert "If-Match" in guide and "Retry-After" in guide


def test_projects_are_the_portfolio_the_caller_sees(itd, guest, space, other_space, authority):
    public = ProjectFactory(primary_space=space, visibility="public", title="Offen")
    restricted = ProjectFactory(primary_space=space, visibility="restricted", title="Geheim")
    anonymous = {
        p["slug"] for p in _json(client_for_anonymous().get("/api/v1/projects/"))["results"]
    }
    assert public.slug in anonymous and restricted.slug not in anonymous
    for_itd = {p["slug"] for p in _json(client_for(itd).get("/api/v1/projects/"))["results"]}
    assert {public.slug, restricted.slug} <= for_itd
    hidden = client_for(guest).get(f"/api/v1/projects/{restricted.slug}/")
    assert hidden.status_code == 404 and _json(hidden)["code"] == "not_found"


def client_for_anonymous():
    from django.test import Client

    return Client()


def test_the_portfolio_filters_are_the_pages_own(itd, space, other_space):
    ProjectFactory(primary_space=space, status="in_progress", title="Verkehr A")
    ProjectFactory(primary_space=other_space, status="in_progress", title="Verkehr B")
    client = client_for(itd)
    found = _json(client.get("/api/v1/projects/", {"space": space.slug, "q": "Verkehr"}))
    assert [p["title"] for p in found["results"]] == ["Verkehr A"]
    wrong = client.get("/api/v1/projects/", {"status": "'; DROP TABLE projects_project; --"})
    assert wrong.status_code == 400
    assert "status" in _json(wrong)["errors"]
    assert Project.objects.count() == 2


def test_each_object_lists_the_actions_the_caller_may_take(itd, officer, member, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    url = f"/api/v1/projects/{project.slug}/"
    assert set(_json(client_for(itd).get(url))["actions"]) == {"update", "delete", "edit_budget"}
    assert "edit_budget" in _json(client_for(officer).get(url))["actions"]
    assert _json(client_for(member).get(url))["actions"] == []


def test_a_change_needs_the_current_etag(itd, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority, health="green")
    client = client_for(itd)
    url = f"/api/v1/projects/{project.slug}/"
    first = client.get(url)
    etag = first["ETag"]
    assert etag.startswith('W/"')
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH=etag.removeprefix("W/")).status_code == 304
    body = json.dumps({"health": "amber", "health_reason": "Verzug bei der Vergabe"})
    missing = client.patch(url, body, content_type="application/json")
    assert missing.status_code == 428 and _json(missing)["code"] == "precondition_required"
    changed = client.patch(url, body, content_type="application/json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert _json(changed)["health"] == "amber"
    stale = client.patch(
        url, json.dumps({"title": "Anders"}), content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    project.refresh_from_db()
    assert (project.health, project.title) == ("amber", first.json()["title"])
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_bad_input_is_refused_whole(itd, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    client = client_for(itd)
    url = f"/api/v1/projects/{project.slug}/"
    etag = client.get(url)["ETag"]
    for body, field in [
        ({"colour": "red"}, "colour"),
        ({"start": "morgen"}, "start"),
        ({"end": "2001-01-01"}, None),
        ({"primary_space": "no-such-space"}, "primary_space"),
    ]:
        answer = client.patch(
            url, json.dumps(body), content_type="application/json", HTTP_IF_MATCH=etag
        )
        assert answer.status_code == 400, (body, answer.content)
        assert _json(answer)["code"] == "invalid"
        if field:
            assert field in _json(answer)["errors"]
    assert client.get("/api/v1/projects/", {"page_size": 1_000_000}).status_code == 400
    assert client.get("/api/v1/projects/", {"page": 999}).status_code == 404
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304  # nothing changed


def test_budget_lines_and_their_rollup_equal_sql(itd, officer, guest, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    budget_line(
        project, planned=Decimal("1000.10"), revised=Decimal("1200.00"), actual=Decimal("300.05")
    )
    budget_line(project, year=2027, planned=Decimal("99.99"))
    client = client_for(officer)
    lines = _json(client.get("/api/v1/budget-lines/", {"project": project.slug}))["results"]
    assert len(lines) == 2
    rollup = _json(client.get("/api/v1/budget/", {"space": space.slug}))
    expected = BudgetLine.objects.filter(project__primary_space=space).aggregate(
        planned=Sum("planned"), actual=Sum("actual")
    )
    assert Decimal(rollup["total"]["planned"]) == expected["planned"]
    assert Decimal(rollup["total"]["actual"]) == expected["actual"]
    assert [y["fiscal_year"] for y in rollup["years"]] == [2026, 2027]
    per_year = _json(client.get(f"/api/v1/projects/{project.slug}/budget/"))
    assert [Decimal(y["planned"]) for y in per_year] == [Decimal("1000.10"), Decimal("99.99")]
    assert _json(client_for(guest).get("/api/v1/budget-lines/"))["results"] == []


QUERIES = [
    {},
    {"fiscal_year": "2026"},
    {"fiscal_year": "2026.0"},
    {"project": "zaehler-eigen"},
    {"project": "zaehler-fremd", "fiscal_year": "2026"},
    {"project": "gibt-es-nicht"},
    {"category": "sach"},  # the summaries do not know categories: the lines are counted
    {"funding_source": "bund", "fiscal_year": "2026"},
]


def test_the_budget_lines_count_is_the_lines_listed_for_every_role_filter_and_token(
    all_roles, space, other_space, authority
):
    """The list's count comes from the budget summaries where they know it (no filter, project,
    fiscal year): it must equal the lines the list shows, and the lines the rule table shows,
    for every role, filter and a token limited to one space."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from contacts.models import Authority
    from projects.permissions import BUDGET_LINE

    from .conftest import api_token

    elsewhere = Authority.objects.get(code="FB")
    mine = ProjectFactory(slug="zaehler-eigen", primary_space=space, lead_authority=authority)
    theirs = ProjectFactory(
        slug="zaehler-fremd", primary_space=other_space, lead_authority=elsewhere
    )
    shared = ProjectFactory(primary_space=other_space, lead_authority=elsewhere)
    shared.spaces.add(space)
    partner = ProjectFactory(primary_space=other_space, lead_authority=elsewhere)
    partner.participating_authorities.add(authority)
    for project, year, category, source in [
        (mine, 2026, "sach", "itd"),
        (mine, 2026, "invest", "bund"),
        (mine, 2027, "sach", "itd"),
        (theirs, 2026, "sach", "eigen"),
        (theirs, 2025, "it-dl", "bund"),
        (shared, 2026, "it-dl", "itd"),
        (partner, 2026, "sach", "bund"),
    ]:
        budget_line(project, year, category, source, planned=Decimal("10.00"))
    filters = {
        "project": "project__slug",
        "fiscal_year": "fiscal_year__year",
        "category": "category__code",
        "funding_source": "funding_source__code",
    }
    callers = [(role, client_for(user)) for role, user in all_roles.items() if user is not None]
    officer = all_roles["officer"]
    limited = Client(HTTP_AUTHORIZATION=f"Bearer {api_token(officer, spaces=[space])}")
    callers.append(("officer, token for one space", limited))
    seen = set()
    for role, client in callers:
        user = officer if role.startswith("officer") else all_roles[role]
        for query in QUERIES:
            with CaptureQueriesContext(connection) as ctx:
                answer = _json(client.get("/api/v1/budget-lines/", {**query, "page_size": 100}))
            where = f"{role} {query}"
            assert answer["count"] == len(answer["results"]), where
            lines = BUDGET_LINE.restrict(BudgetLine.objects.all(), user, "view")
            if role.endswith("one space"):
                lines = lines.filter(project__in=[mine, shared])  # in `space`
            lines = lines.filter(
                **{filters[k]: int(float(v)) if k == "fiscal_year" else v for k, v in query.items()}
            )
            assert answer["count"] == lines.count(), where
            sql = [q["sql"] for q in ctx.captured_queries]
            counted = any(
                q.startswith('SELECT COUNT(*) AS "__count" FROM "projects_budgetline"') for q in sql
            )
            summed = any('FROM "projects_budgetsummary"' in q for q in sql)
            if "category" in query or "funding_source" in query:
                assert not summed, where  # what the summaries do not know: the lines counted
            else:
                assert not counted, where  # the summaries' count, never the lines'
            assert counted or summed or answer["count"] == 0, where
            seen.add(answer["count"])
    assert len(seen) > 3  # the roles and filters see different numbers of lines


def test_budget_lines_are_written_through_the_budget_service(officer, member, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    client = client_for(officer)
    body = {
        "project": project.slug,
        "fiscal_year": 2026,
        "category": "sach",
        "funding_source": "itd",
        "planned": "1500.50",
    }
    created = client.post(
        "/api/v1/budget-lines/", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    line = BudgetLine.objects.get(pk=_json(created)["id"])
    assert (line.planned, line.revised) == (Decimal("1500.50"), Decimal("1500.50"))
    url = f"/api/v1/budget-lines/{line.pk}/"
    etag = created["ETag"]
    patched = client.patch(
        url, json.dumps({"actual": "10.01"}), content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert patched.status_code == 200, patched.content
    line.refresh_from_db()
    assert (line.planned, line.actual) == (Decimal("1500.50"), Decimal("10.01"))
    refused = client_for(member).patch(
        url,
        json.dumps({"actual": "99"}),
        content_type="application/json",
        HTTP_IF_MATCH=client_for(member).get(url)["ETag"],
    )
    assert refused.status_code == 403
    line.refresh_from_db()
    assert line.actual == Decimal("10.01")


def test_indicator_values_go_through_the_strategys_service(officer, member, space, authority):
    _goal, _measure, (_g, indicator) = strategy_tree(
        space=space, authority=authority, responsible=officer.person
    )
    url = f"/api/v1/indicators/{indicator.pk}/values/"
    body = json.dumps({"on": str(indicator.baseline_on), "value": "30"})
    before = IndicatorValue.objects.count()
    assert client_for(member).post(url, body, content_type="application/json").status_code == 403
    future = json.dumps({"on": str(today() + dt.timedelta(days=1)), "value": "30"})
    refused = client_for(officer).post(url, future, content_type="application/json")
    assert refused.status_code == 400 and "on" in _json(refused)["errors"]
    comma = json.dumps({"on": str(today()), "value": "30,5"})
    assert client_for(officer).post(url, comma, content_type="application/json").status_code == 400
    good = json.dumps({"on": str(today()), "value": "30.5", "comment": "API"})
    answer = client_for(officer).post(url, good, content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert IndicatorValue.objects.filter(indicator=indicator, comment="API").count() == 1
    assert IndicatorValue.objects.count() == before + 1
    shown = _json(client_for(officer).get(f"/api/v1/indicators/{indicator.pk}/"))
    assert "add_value" in shown["actions"] and shown["status"] in {
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
    }


def test_too_many_requests_are_answered_429_with_retry_after(client, itd, monkeypatch):
    from api.throttling import Anonymous, PerToken
    from core.models import SecurityEvent

    monkeypatch.setattr(Anonymous, "THROTTLE_RATES", {"anonymous": "3/min"})
    monkeypatch.setattr(PerToken, "THROTTLE_RATES", {"token": "5/min"})
    answers = [client.get("/api/v1/spaces/").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    limited = client.get("/api/v1/spaces/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert _json(limited)["code"] == "throttled"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RATE_LIMITED).exists()
    signed_in = client_for(itd)
    assert [signed_in.get("/api/v1/spaces/").status_code for _ in range(6)][-1] == 429


def test_a_deprecated_address_says_so_and_when_it_ends(client, settings):
    assert "Deprecation" not in client.get("/api/v1/spaces/")
    settings.API_DEPRECATIONS = {
        "/api/v1/spaces/": {
            "deprecated": "2020-01-01",
            "sunset": "2099-07-01",
            "successor": "/api/v2/spaces/",
        },
        "/api/v1/projects/": {"deprecated": "2099-01-01", "sunset": "2099-07-01"},
    }
    answer = client.get("/api/v1/spaces/")
    assert answer["Deprecation"] == "@1577836800"
    assert answer["Sunset"] == "Wed, 01 Jul 2099 00:00:00 GMT"
    assert answer["Link"] == '</api/v2/spaces/>; rel="successor-version"'
    assert "Deprecation" not in client.get("/api/v1/projects/")


@pytest.mark.parametrize(
    "path",
    ["/api/v1/projects/", "/api/v1/budget-lines/", "/api/v1/milestones/", "/api/v1/indicators/"],
)
def test_a_list_costs_the_same_queries_for_few_and_many_objects(officer, space, authority, path):
    """`make bench` found the project list at 105 queries for 50 projects (one for each one's
    space and authority): a page's queries must not grow with its rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(officer)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path, {"page_size": 100}).status_code == 200
        return len(ctx.captured_queries)

    def more(count: int) -> None:
        for _ in range(count):
            project = ProjectFactory(primary_space=space, lead_authority=authority)
            budget_line(project, 2026, planned=100)

    more(2)
    few = queries()
    more(20)
    assert queries() == few
