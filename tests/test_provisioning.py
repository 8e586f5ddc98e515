"""Provisioning by SCIM 2.0 (issue 19, point 5): the city's identity management creates,
changes and deactivates accounts and groups at /scim/v2/ with a token of its own.

Deactivation ends, at once and in one transaction, the account's sessions, its API tokens,
its roles from groups and every time-boxed access (memberships, officer roles, project guest
rows, open invitations to its address); it is audited and in the security log. A foreign token
or an unknown attribute is refused with a SCIM error and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from access.models import Invitation
from contacts.models import DigitalOfficer, Person, User
from core.models import AuditEntry, SecurityEvent
from identity import services as identity
from identity.models import ClaimGrant, Grants
from projects.models import ProjectGuest
from provisioning.models import ScimGroup, ScimUser
from spaces.models import Membership
from tests.robustness import changed_tables, db_fingerprint
from tokens.models import ApiToken

from .conftest import api_token, client_for
from .factories import DigitalOfficerFactory, MembershipFactory, ProjectFactory, make_invitation

pytestmark = pytest.mark.django_db

TOKEN = "scim-test-token-0123456789abcdef0123456789abcdef"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ROOM = "fhh-raum-mobilitaet"
ITD_GROUP = "fhh-itd"


@pytest.fixture(autouse=True)
def _scim_on(settings):
    settings.SCIM_TOKEN_DIGESTS = [hashlib.sha256(TOKEN.encode()).hexdigest()]
    settings.SCIM_ALLOWED_DOMAINS = ["hamburg.de"]


class Scim:
    """The identity management: JSON with its bearer token."""

    def __init__(self, token: str = TOKEN) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def __call__(self, method: str, path: str, body: Any = None) -> Any:
        response = getattr(self.client, method.lower())(
            "/scim/v2/" + path,
            data=json.dumps(body) if body is not None else None,
            content_type="application/scim+json",
        )
        response.json_body = json.loads(response.content) if response.content else None
        return response


@pytest.fixture
def scim() -> Scim:
    return Scim()


def _user(email: str = "lea.koch@hamburg.de", **extra: Any) -> dict[str, Any]:
    return {
        "schemas": [USER],
        "userName": email,
        "externalId": "idm-4711",
        "name": {"givenName": "Lea", "familyName": "Koch"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }


@pytest.fixture
def table(itd, space):
    return {
        "room": identity.claim_rule_create(
            actor=itd, claim=ROOM, grants=Grants.MEMBER, space=space
        ),
        "itd": identity.claim_rule_create(actor=itd, claim=ITD_GROUP, grants=Grants.ITD),
    }


def _created(scim: Scim, **extra: Any) -> dict[str, Any]:
    response = scim("POST", "Users", _user(**extra))
    assert response.status_code == 201, response.content
    return response.json_body


def _group(scim: Scim, name: str, *members: str) -> dict[str, Any]:
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    response = scim("POST", "Groups", body)
    assert response.status_code == 201, response.content
    return response.json_body


def test_a_new_user_is_an_account_with_a_profile_and_no_password(scim):
    body = _created(scim)
    user = User.objects.get(email="lea.koch@hamburg.de")
    assert (user.first_name, user.last_name, user.is_active) == ("Lea", "Koch", True)
    assert not user.has_usable_password()  # signs in with the staff account
    assert Person.objects.filter(user=user).exists()
    assert body["id"] == ScimUser.objects.get(user=user).scim_id
    assert body["userName"] == "lea.koch@hamburg.de"
    assert body["externalId"] == "idm-4711"
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{body['id']}")
    assert scim("GET", f"Users/{body['id']}").json_body["name"]["familyName"] == "Koch"
    found = scim("GET", 'Users?filter=userName eq "LEA.KOCH@hamburg.de"').json_body
    assert [r["id"] for r in found["Resources"]] == [body["id"]]
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.SSO, user=user, detail__action="scim_created"
    ).exists()


def test_an_existing_account_is_taken_over_and_a_second_post_is_a_conflict(scim, staff_of_city):
    body = _created(scim, email=staff_of_city.email)
    assert ScimUser.objects.get(scim_id=body["id"]).user == staff_of_city
    again = scim("POST", "Users", _user(email=staff_of_city.email))
    assert again.status_code == 409
    assert again.json_body["scimType"] == "uniqueness"


@pytest.fixture
def staff_of_city(db) -> User:
    from .factories import PersonFactory

    PersonFactory(user__email="tim.wolf@hamburg.de")
    return User.objects.get(email="tim.wolf@hamburg.de")


def test_names_change_by_put_and_patch(scim):
    body = _created(scim)
    put = scim("PUT", f"Users/{body['id']}", _user(name={"givenName": "Lea", "familyName": "Nord"}))
    assert put.status_code == 200, put.content
    assert User.objects.get(email="lea.koch@hamburg.de").last_name == "Nord"
    patch = scim(
        "PATCH",
        f"Users/{body['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "Lena"},
                {
                    "op": "Replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "lena.nord@hamburg.de",
                },
            ],
        },
    )
    assert patch.status_code == 200, patch.content
    user = ScimUser.objects.get(scim_id=body["id"]).user
    assert (user.first_name, user.email) == ("Lena", "lena.nord@hamburg.de")


def test_groups_give_and_end_roles_through_the_claims_table(scim, table, space):
    body = _created(scim)
    user = User.objects.get(email="lea.koch@hamburg.de")
    room = _group(scim, ROOM, body["id"])
    itd_group = _group(scim, ITD_GROUP)
    assert Membership.objects.active().filter(person__user=user, space=space).exists()
    add = scim(
        "PATCH",
        f"Groups/{itd_group['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": body["id"]}]}],
        },
    )
    assert add.status_code == 200, add.content
    user.refresh_from_db()
    assert user.is_itd_staff
    assert {g["display"] for g in scim("GET", f"Users/{body['id']}").json_body["groups"]} == {
        ROOM,
        ITD_GROUP,
    }
    remove = scim(
        "PATCH",
        f"Groups/{room['id']}",
        {
            "schemas": [PATCH],
            "Operations": [{"op": "remove", "path": f'members[value eq "{body["id"]}"]'}],
        },
    )
    assert remove.status_code == 200, remove.content
    assert not Membership.objects.active().filter(person__user=user, space=space).exists()
    assert scim("DELETE", f"Groups/{itd_group['id']}").status_code == 204
    user.refresh_from_db()
    assert not user.is_itd_staff
    assert not ClaimGrant.objects.filter(user=user, ended_at__isnull=True).exists()


def test_deactivation_ends_sessions_tokens_roles_and_every_time_boxed_access(
    scim, table, space, other_space, authority, itd
):
    body = _created(scim)
    user = User.objects.get(email="lea.koch@hamburg.de")
    person = user.person
    _group(scim, ROOM, body["id"])
    by_hand = MembershipFactory(person=person, space=other_space)
    officer = DigitalOfficerFactory(person=person, authority=authority)
    project = ProjectFactory(primary_space=space, lead_authority=authority)
    guest = ProjectGuest.objects.create(
        project=project,
        person=person,
        since=timezone.localdate(),
        until=timezone.localdate() + dt.timedelta(days=30),
    )
    invitation, _link = make_invitation(space=other_space, invited_by=itd, email=user.email)
    browser = client_for(user)
    assert browser.get("/dashboard/").status_code == 200
    token = api_token(user)
    assert Client().get("/api/v1/spaces/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    response = scim(
        "PATCH",
        f"Users/{body['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert response.status_code == 200, response.content
    assert response.json_body["active"] is False

    user.refresh_from_db()
    assert not user.is_active
    signed_out = browser.get("/dashboard/")
    assert signed_out.status_code == 302 and "/accounts/login/" in signed_out["Location"]
    assert Client().get("/api/v1/spaces/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert not ApiToken.objects.filter(owner=user, revoked_at__isnull=True).exists()
    assert not Membership.objects.open().filter(person=person).exists()
    by_hand.refresh_from_db()
    assert by_hand.ended_at is not None
    assert DigitalOfficer.objects.get(pk=officer.pk).ended_at is not None
    assert ProjectGuest.objects.get(pk=guest.pk).ended_at is not None
    assert Invitation.objects.get(pk=invitation.pk).ended_at is not None
    assert not ClaimGrant.objects.filter(user=user, ended_at__isnull=True).exists()

    event = SecurityEvent.objects.get(user=user, detail__action="scim_deactivated")
    ended = event.detail["ended"]
    assert (ended["memberships"], ended["officer_roles"], ended["project_guests"]) == (1, 1, 1)
    assert (ended["invitations"], ended["sessions"], ended["api_tokens"]) == (1, 1, 1)
    assert len(ended["roles_from_groups"]) == 1
    assert AuditEntry.objects.filter(
        object_id=str(ScimUser.objects.get(user=user).pk), changes__active__new=False
    ).exists()

    # Reactivation: the account signs in again; its roles come back through its groups only.
    back = scim(
        "PATCH",
        f"Users/{body['id']}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": True}]},
    )
    assert back.status_code == 200, back.content
    user.refresh_from_db()
    assert user.is_active
    assert Membership.objects.active().filter(person=person, space=space).exists()
    assert not Membership.objects.active().filter(person=person, space=other_space).exists()


def test_delete_deactivates_keeps_the_account_and_answers_404_afterwards(scim):
    body = _created(scim)
    assert scim("DELETE", f"Users/{body['id']}").status_code == 204
    user = User.objects.get(email="lea.koch@hamburg.de")
    assert not user.is_active
    gone = scim("GET", f"Users/{body['id']}")
    assert gone.status_code == 404
    assert gone.json_body["schemas"] == [ERROR] and gone.json_body["status"] == "404"
    assert SecurityEvent.objects.filter(user=user, detail__action="scim_deleted").exists()
    assert scim("GET", "Users").json_body["totalResults"] == 0
    # The identity management may create the user again: a new resource, the same account.
    again = _created(scim)
    assert again["id"] != body["id"]
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("token", [None, "", "Bearer ", "Bearer foreign-token", "Basic " + TOKEN])
def test_a_foreign_or_missing_token_is_refused_and_changes_nothing(token):
    client = Client() if token is None else Client(HTTP_AUTHORIZATION=token)
    before = db_fingerprint()
    response = client.post(
        "/scim/v2/Users", data=json.dumps(_user()), content_type="application/scim+json"
    )
    assert response.status_code == 401
    body = json.loads(response.content)
    assert body["schemas"] == [ERROR] and body["status"] == "401" and body["detail"]
    assert changed_tables(before, db_fingerprint()) == []  # the security log aside
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_REFUSED, detail__path="scim"
    ).exists()
    assert not User.objects.filter(email="lea.koch@hamburg.de").exists()


def test_without_configured_digests_scim_is_off(settings):
    settings.SCIM_TOKEN_DIGESTS = []
    assert Scim()("GET", "Users").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        _user(nickName="Lea"),
        _user(name={"givenName": "Lea", "familyName": "Koch", "middleName": "X"}),
        _user(emails=[{"value": "lea.koch@hamburg.de", "primary": True, "kind": "x"}]),
        {**_user(), "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"x": "y"}},
        _user(active="vielleicht"),
        _user(password="Geheim-2026!"),
        _user(email="lea@example.org"),
        {"schemas": [USER], "name": {"givenName": "Lea"}},
    ],
)
def test_an_unknown_attribute_or_bad_value_is_refused_and_changes_nothing(scim, body):
    before = db_fingerprint()
    response = scim("POST", "Users", body)
    assert response.status_code == 400, response.content
    assert response.json_body["schemas"] == [ERROR]
    assert response.json_body["scimType"] in ("invalidSyntax", "invalidValue")
    assert response.json_body["detail"]
    assert changed_tables(before, db_fingerprint()) == []


def test_a_patch_with_an_unknown_attribute_changes_nothing(scim):
    body = _created(scim)
    before = db_fingerprint()
    response = scim(
        "PATCH",
        f"Users/{body['id']}",
        {
            "schemas": [PATCH],
            "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "X"},
                {"op": "add", "path": "title", "value": "Dr."},
            ],
        },
    )
    assert response.status_code == 400
    assert changed_tables(before, db_fingerprint()) == []


def test_a_filter_on_an_unknown_attribute_is_refused(scim):
    response = scim("GET", 'Users?filter=nickName eq "x" or userName eq "y"')
    assert response.status_code == 400
    assert response.json_body["scimType"] == "invalidFilter"


def test_an_unknown_user_or_group_is_a_scim_404(scim):
    for path in ("Users/gibt-es-nicht", "Groups/gibt-es-nicht"):
        response = scim("GET", path)
        assert response.status_code == 404
        assert response.json_body["schemas"] == [ERROR] and response.json_body["status"] == "404"
    assert scim("PUT", "Users/gibt-es-nicht", _user()).status_code == 404
    assert scim("DELETE", "Users/gibt-es-nicht").status_code == 404


def test_a_group_member_must_exist(scim):
    response = scim(
        "POST", "Groups", {"schemas": [GROUP], "displayName": "x", "members": [{"value": "nope"}]}
    )
    assert response.status_code == 400
    assert not ScimGroup.objects.exists()


def test_discovery_says_what_is_supported(scim):
    config = scim("GET", "ServiceProviderConfig").json_body
    assert config["patch"]["supported"] and config["filter"]["supported"]
    assert not (
        config["bulk"]["supported"] or config["sort"]["supported"] or config["etag"]["supported"]
    )
    assert not config["changePassword"]["supported"]
    types = scim("GET", "ResourceTypes").json_body
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    assert scim("GET", "Bulk").status_code == 501


def test_my_data_shows_what_the_identity_management_holds(scim):
    from core import personal_data

    _created(scim)
    user = User.objects.get(email="lea.koch@hamburg.de")
    rows = {
        h.key: h.export(personal_data.Subject(user=user, person=user.person, pseudonym="x"))
        for h in personal_data.holdings()
    }
    assert rows["identity_management_account"][0]["external_id"] == "idm-4711"
