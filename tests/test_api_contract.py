"""The schema is the contract (issue 18): schemathesis generates requests for every operation
of /api/v1/schema/ and checks each answer against it: no server error, only documented status
codes, the documented content type and headers, bodies that match their schema (the error body
included), so no HTML error page and no undocumented 4xx. As ITD with a read-and-write token
over a small portfolio, so that the writes reach the services."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .factories import ProjectFactory, budget_line, strategy_tree


def _schema() -> dict:
    """The schema /api/v1/schema/ serves, written by drf-spectacular here (no request)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_schema())
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_world(request: pytest.FixtureRequest, itd, space, authority, officer, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]  # schemathesis' WSGI host
    # Requests through the WSGI handler end by closing the database connection, which would
    # end the test's transaction: Django's test client holds these signals back the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: signals.request_started.connect(close_old_connections))
    request.addfinalizer(lambda: signals.request_finished.connect(close_old_connections))
    project = ProjectFactory(primary_space=space, lead_authority=authority, slug="vertrag")
    budget_line(project, planned=100)
    strategy_tree(space=space, authority=authority, responsible=officer.person, projects=[project])
    return itd


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_its_contract(case, api_world, api_headers):
    case.call_and_validate(headers=api_headers(api_world), checks=CHECKS)
