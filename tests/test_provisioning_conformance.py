"""The SCIM endpoint against RFC 7643/7644 as scim2-tester (python-scim) checks it: discovery,
create, read, replace, delete and PATCH add/replace/remove of every attribute the portal's
schemas publish, for users and groups. No check may end in an error; checks of what the
ServiceProviderConfig says is not supported (bulk, sort, ETags) are skipped by the tester.

The requests go through Django's WSGI application in this process (scim2-client's WSGI engine),
so they see the test's database; the tester's random addresses lie at `<uuid>.com`, hence the
domain "com" for the test.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

pytestmark = pytest.mark.django_db

TOKEN = "scim-conformance-token-0123456789abcdef0123456789"


@pytest.fixture
def _connection_kept():
    """As Django's test client does: the request does not close the test's connection (and
    with it the transaction the test runs in)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("_connection_kept")
def test_scim2_tester_reports_no_error(settings):
    settings.SCIM_TOKEN_DIGESTS = [hashlib.sha256(TOKEN.encode()).hexdigest()]
    settings.SCIM_ALLOWED_DOMAINS = ["com"]
    client = WSGISCIMClient(
        get_wsgi_application(),
        base_url="http://testserver/scim/v2",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    results = check_server(client)
    failed = [
        f"{r.status.name} {r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    ]
    statuses = Counter(r.status.name for r in results)
    print(dict(statuses))  # noqa: T201 - the tally, with -s
    assert results
    assert not failed, "\n".join(failed)
    assert any(r.status == Status.SUCCESS and "patch" in " ".join(r.tags) for r in results)
