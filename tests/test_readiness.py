"""Kubernetes' probes (deploy/): /livez asks nothing, /readyz asks the database, the cache, the
broker and whatever an app registered in core.readiness, and names what failed."""

from __future__ import annotations

import pytest
from django.test import Client

from core import cache as core_cache
from core import readiness

# Nothing listens on port 1: every connection is refused.
CLOSED_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def with_broker(settings):
    """A broker as in production (the tests may run tasks in-process)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL or pytest.skip("no REDIS_URL: no broker")
    return settings


def test_readyz_is_ok_when_database_cache_and_broker_answer(db, with_broker):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {
            "database": {"state": "ok"},
            "cache": {"state": "ok"},
            "broker": {"state": "ok"},
            "object_storage": {"state": "skipped", "reason": "files on the local disk"},
        },
    }


def test_readyz_answers_503_naming_the_broker_when_it_is_down(db, with_broker):
    with_broker.CELERY_BROKER_URL = CLOSED_REDIS
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == {"state": "ok"}
    assert body["checks"]["broker"]["state"] == "error"
    assert body["checks"]["broker"]["reason"].startswith("broker unreachable (")


def test_readyz_never_shows_the_brokers_password(db, with_broker):
    with_broker.CELERY_BROKER_URL = "redis://:geheim-s3cret@127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert "geheim-s3cret" not in response.content.decode()
    assert "127.0.0.1" not in response.content.decode()


def test_readyz_skips_the_broker_when_tasks_run_in_process(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_BROKER_URL = CLOSED_REDIS
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["state"] == "skipped"


def test_readyz_answers_503_naming_the_cache_when_redis_is_down(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.DegradingRedisCache", "LOCATION": CLOSED_REDIS}
    }
    core_cache._down_since.clear()
    try:
        response = Client().get("/readyz")
    finally:
        core_cache._down_since.clear()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["state"] == "error"
    assert "cache unreachable" in checks["cache"]["reason"]
    assert checks["database"] == {"state": "ok"}


def test_livez_asks_nothing_so_an_outage_restarts_no_pod(db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = CLOSED_REDIS
    response = Client().get("/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def extra_check():
    """A check registered as an app would from its AppConfig.ready(), removed afterwards."""
    before = list(readiness.CHECKS)

    def search_index() -> None:
        raise readiness.NotReady("search index 'portal' does not exist")

    readiness.register("search_index", search_index)
    yield
    readiness.CHECKS[:] = before


def test_a_registered_check_that_fails_makes_readyz_fail_with_its_reason(db, settings, extra_check):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["search_index"] == {
        "state": "error",
        "reason": "search index 'portal' does not exist",
    }


def test_an_unexpected_error_shows_only_its_class(db, settings, extra_check):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def leaky() -> None:
        raise RuntimeError("redis://:geheim@host failed")

    readiness.register("leaky", leaky)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["leaky"] == {"state": "error", "reason": "RuntimeError"}


def test_a_check_name_is_registered_once(extra_check):
    with pytest.raises(ValueError, match="search_index"):
        readiness.register("search_index", lambda: None)
    with pytest.raises(ValueError, match="object_storage"):  # the bucket's, built in
        readiness.register("object_storage", lambda: None)
