"""The API with personal tokens (issue 18, points 2 and 3): every address of the API for every
kind of token, generated from the permission matrix's rows; a token dies with its owner's
access within one request; read-only and space-limited tokens stay in their limits."""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from projects.models import Project
from tokens.models import ApiToken

from .conftest import api_token
from .factories import ProjectFactory
from .test_permission_matrix import MATRIX, NOT_ALLOWED, _url, url_kwargs  # noqa: F401

pytestmark = pytest.mark.django_db

API_ROWS = sorted(
    name
    for name in MATRIX
    if name.startswith("api:")
    and name.endswith(("-list", "-detail", "-budget", "-values", "-download", ":budget"))
)


def _bearer(plain: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


@pytest.mark.parametrize("name", API_ROWS)
def test_every_api_address_answers_every_kind_of_token_by_the_rules(
    name,
    all_roles,
    url_kwargs,  # noqa: F811
):
    """A read-and-write token answers as its owner's session; a read-only token reads the
    same and may write nothing (403); a revoked, an expired token and one of an ended guest
    are 401, whatever the address."""
    url = _url(name, url_kwargs)
    row = MATRIX[name]
    wrong = []
    for role in ("itd", "coordinator", "officer", "member", "guest", "outsider"):
        user = all_roles[role]
        want_get = row.get[role]
        for can_write in (True, False):
            client = _bearer(api_token(user, can_write=can_write))
            got = client.get(url).status_code
            if got != want_get:
                wrong.append(f"{role} {'rw' if can_write else 'r'} GET {got} != {want_get}")
            post = client.post(url, "{}", content_type="application/json").status_code
            want_post = row.post[role] if can_write else 403
            if post != want_post:
                wrong.append(f"{role} {'rw' if can_write else 'r'} POST {post} != {want_post}")
    revoked = api_token(all_roles["itd"])
    ApiToken.objects.filter(owner=all_roles["itd"]).update(revoked_at=timezone.now())
    expiring = api_token(all_roles["member"], days=1)
    later = timezone.now() + dt.timedelta(days=3)
    for plain, now in ((revoked, None), (expiring, later)):
        with mock.patch("tokens.services.timezone.now", return_value=now or timezone.now()):
            for method in ("get", "post"):
                got = getattr(_bearer(plain), method)(url).status_code
                if got != 401:
                    wrong.append(f"refused token {method.upper()} {got} != 401")
    assert not wrong, f"{url}: " + "; ".join(wrong)


def test_a_token_dies_with_its_owners_access_within_one_request(itd, guest, other_space):
    from spaces.models import Membership
    from spaces.services import membership_end

    ProjectFactory(primary_space=other_space, visibility="internal", slug="gast-sicht")
    client = _bearer(api_token(guest))
    assert client.get("/api/v1/projects/gast-sicht/").status_code == 200
    membership = Membership.objects.get(person__user=guest, space=other_space)
    membership_end(actor=itd, membership=membership)
    answer = client.get("/api/v1/projects/gast-sicht/")
    assert answer.status_code == 401
    assert answer.json()["code"] == "access_ended"
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_owners_token_is_refused_at_the_next_request(member):
    client = _bearer(api_token(member))
    assert client.get("/api/v1/spaces/").status_code == 200
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert client.get("/api/v1/spaces/").status_code == 401


def test_a_read_only_token_reads_but_never_writes(itd, space, authority):
    project = ProjectFactory(primary_space=space, lead_authority=authority, health="green")
    client = _bearer(api_token(itd))
    url = f"/api/v1/projects/{project.slug}/"
    shown = client.get(url)
    assert shown.status_code == 200 and shown.json()["actions"] == []
    refused = client.patch(
        url,
        json.dumps({"health": "red"}),
        content_type="application/json",
        HTTP_IF_MATCH=shown["ETag"],
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert Project.objects.get(pk=project.pk).health == "green"


def test_a_token_limited_to_a_space_sees_and_writes_only_there(itd, space, other_space):
    inside = ProjectFactory(primary_space=space, slug="drinnen")
    outside = ProjectFactory(primary_space=other_space, slug="draussen")
    client = _bearer(api_token(itd, can_write=True, spaces=[space]))
    slugs = {p["slug"] for p in client.get("/api/v1/projects/").json()["results"]}
    assert inside.slug in slugs and outside.slug not in slugs
    assert client.get(f"/api/v1/projects/{outside.slug}/").status_code == 404
    assert client.get(f"/api/v1/projects/{inside.slug}/").status_code == 200
    etag = client.get(f"/api/v1/projects/{inside.slug}/")["ETag"]
    moved = client.patch(
        f"/api/v1/projects/{inside.slug}/",
        json.dumps({"primary_space": other_space.slug}),
        content_type="application/json",
        HTTP_IF_MATCH=etag,
    )
    assert moved.status_code == 403
    assert Project.objects.get(pk=inside.pk).primary_space == space
    report = client.post(
        "/api/v1/reports/",
        json.dumps({"kind": "budget", "format": "xlsx", "scope": "programme", "fiscal_year": 2026}),
        content_type="application/json",
    )
    assert report.status_code == 403


def test_a_wrong_token_is_refused_with_the_error_body(client):
    for header in ("Bearer hdr_nichts", "Bearer", "Bearer a b"):
        answer = client.get("/api/v1/spaces/", HTTP_AUTHORIZATION=header)
        assert answer.status_code == 401, header
        assert answer["Content-Type"] == "application/json"
        assert set(answer.json()) >= {"status", "code", "detail"}
