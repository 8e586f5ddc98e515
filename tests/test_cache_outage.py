"""Redis unreachable (issue 16, audit finding 4): the pages and the sign-in answer from the
database; only /healthz reports the cache as down."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.conf import settings as live_settings
from django.test import Client
from django.urls import reverse

from core import cache as core_cache
from core.templatetags.portal import euro
from projects.models import BudgetLine

from .conftest import client_for, totp_code
from .factories import PASSWORD, ProjectFactory, budget_line

# Nothing listens on port 1: every connection is refused.
CLOSED = "redis://127.0.0.1:1/0"


@pytest.fixture
def cache_down(settings):
    """The portal's own cache settings, pointed at a closed port (a run without REDIS_URL uses
    the local-memory cache, so then the Redis backend of the settings is named here)."""
    default = dict(live_settings.CACHES["default"])
    if "redis" not in default["BACKEND"].lower():
        default = {"BACKEND": "core.cache.DegradingRedisCache", "KEY_PREFIX": "hd"}
    settings.CACHES = {"default": {**default, "LOCATION": CLOSED}}
    core_cache._down_since.clear()
    yield
    core_cache._down_since.clear()


@pytest.fixture
def figures(space, authority):
    project = ProjectFactory(slug="ladesaeulen", primary_space=space, lead_authority=authority)
    budget_line(project, 2026, planned=Decimal("1234.56"), actual=Decimal("987.65"))
    budget_line(project, 2027, planned=Decimal("100.01"), actual=Decimal("0.04"))
    return project


def test_settings_use_the_backend_that_survives_an_outage():
    if not live_settings.REDIS_URL:
        pytest.skip("no REDIS_URL: the local-memory cache cannot be unreachable")
    assert live_settings.CACHES["default"]["BACKEND"] == "core.cache.DegradingRedisCache"
    assert live_settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"] <= 1


def test_pages_answer_from_the_database_while_the_cache_is_down(
    cache_down, figures, itd, officer, member, space, caplog
):
    actual = sum(line.actual for line in BudgetLine.objects.all())
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        anonymous = Client()
        assert anonymous.get("/").status_code == 200
        for user in (itd, officer, member):
            client = client_for(user)
            assert client.get("/").status_code in (200, 302), user
            dashboard = client.get(reverse("dashboard"))
            assert dashboard.status_code == 200, user
            if user != member:  # the cockpit: ITD's sums are the cached ones
                assert euro(actual) in dashboard.content.decode(), user
            assert client.get(reverse("spaces:detail", args=[space.slug])).status_code == 200
            assert client.get(reverse("projects:list")).status_code == 200
    # Logged once, not on every request.
    warnings = [r for r in caplog.records if r.name == "core.cache"]
    assert len(warnings) == 1 and "unreachable" in warnings[0].getMessage()


def test_signing_in_works_while_the_cache_is_down(cache_down, member, itd):
    client = Client()
    assert client.get(reverse("account_login")).status_code == 200
    wrong = client.post(reverse("account_login"), {"login": member.email, "password": "falsch"})
    assert wrong.status_code == 200
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert client.get(response["Location"]).status_code == 200
    # With the second factor (its used codes live in the cache too).
    client = Client()
    response = client.post(reverse("account_login"), {"login": itd.email, "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert "_auth_user_id" in client.session


def test_healthz_reports_the_cache_as_down(cache_down, db):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "cache": "error"}}


def test_the_cache_is_asked_again_once_it_may_be_back(cache_down, monkeypatch):
    from django.core.cache import cache

    clock = [1000.0]
    monkeypatch.setattr(core_cache.time, "monotonic", lambda: clock[0])
    assert cache.get("x", "fallback") == "fallback"
    asked = []
    monkeypatch.setattr(
        core_cache.RedisCache, "get", lambda *args, **kwargs: asked.append(1) or "cached"
    )
    assert cache.get("x", "fallback") == "fallback"  # not asked within RETRY_AFTER
    assert asked == []
    clock[0] += core_cache.RETRY_AFTER + 1
    assert cache.get("x", "fallback") == "cached"
    assert asked == [1] and core_cache._down_since == {}
