"""The identity provider's groups as roles (issue 19, point 2): ITD's table, applied exactly at
every sign-in; roles given by hand left alone; every change audited with its claim. The sign-in
itself in Chromium against the real local provider is tests/test_e2e_identity.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from contacts.models import Authority, DigitalOfficer, User
from core.audiences import SYSTEM_ACTOR
from core.models import AuditEntry, SecurityEvent
from identity import services
from identity.claims import email_allowed, email_verified, groups_of, second_factor_asserted
from identity.models import ClaimGrant, ClaimRule, Grants
from identity.services import wanted_roles
from spaces.models import Membership, Space

from .conftest import client_for
from .factories import PASSWORD, MembershipFactory, PersonFactory, audit_of

pytestmark = pytest.mark.django_db

ROOM = "fhh-raum-mobilitaet"
LEAD = "fhh-raum-mobilitaet-leitung"
ITD_GROUP = "fhh-itd"
BVM_OFFICER = "fhh-dv-bvm"
BVM_STAFF = "fhh-bvm"


@pytest.fixture
def table(itd, space, authority):
    def rule(claim: str, grants: str, **target: Any) -> ClaimRule:
        return services.claim_rule_create(actor=itd, claim=claim, grants=grants, **target)

    return {
        "room": rule(ROOM, Grants.MEMBER, space=space),
        "lead": rule(LEAD, Grants.COORDINATOR, space=space),
        "itd": rule(ITD_GROUP, Grants.ITD),
        "officer": rule(BVM_OFFICER, Grants.OFFICER, authority=authority),
        "staff": rule(BVM_STAFF, Grants.AUTHORITY, authority=authority),
    }


@pytest.fixture
def staff(db) -> User:
    PersonFactory(user__email="neu@hamburg.de", authority=None)
    return User.objects.get(email="neu@hamburg.de")


def _open(user: User) -> set[str]:
    return set(
        ClaimGrant.objects.filter(user=user, ended_at__isnull=True).values_list("grants", flat=True)
    )


def _membership(user: User, space: Space) -> Membership | None:
    return Membership.objects.active().filter(person__user=user, space=space).first()


def test_the_groups_give_exactly_the_roles_of_the_table_and_take_them_back(
    table, staff, space, authority
):
    changed = services.claims_apply(user=staff, groups=[ROOM, ITD_GROUP, BVM_OFFICER, BVM_STAFF])
    assert len(changed["granted"]) == 4 and changed["ended"] == []
    # The object the sign-in goes on with knows its new roles (its access is checked next).
    assert staff.is_itd_staff and staff.person.authority == authority
    staff.refresh_from_db()
    membership = _membership(staff, space)
    assert membership is not None and membership.role == Membership.Role.MEMBER
    assert staff.is_itd_staff
    assert DigitalOfficer.objects.active().filter(person__user=staff, authority=authority).exists()
    assert staff.person.authority == authority
    assert _open(staff) == {Grants.MEMBER, Grants.ITD, Grants.OFFICER, Grants.AUTHORITY}

    # The same groups again: nothing changes (no new rows, nothing ended).
    assert services.claims_apply(user=staff, groups=[ROOM, ITD_GROUP, BVM_OFFICER, BVM_STAFF]) == {
        "granted": [],
        "ended": [],
    }
    assert Membership.objects.filter(person__user=staff).count() == 1

    # A group changed: member becomes coordinator; the others are gone, so their roles end.
    changed = services.claims_apply(user=staff, groups=[LEAD])
    assert len(changed["ended"]) == 4 and len(changed["granted"]) == 1
    staff.refresh_from_db()
    membership = _membership(staff, space)
    assert membership is not None and membership.role == Membership.Role.COORDINATOR
    assert not staff.is_itd_staff
    assert not DigitalOfficer.objects.active().filter(person__user=staff).exists()
    assert staff.person.authority is None
    assert _open(staff) == {Grants.COORDINATOR}

    # No group at all: the last role ends too.
    services.claims_apply(user=staff, groups=[])
    assert _membership(staff, space) is None
    assert _open(staff) == set()


def test_roles_given_by_hand_are_left_alone(table, space, authority, itd):
    # Given in the portal: ITD rights, a coordination, an authority. No grant records them.
    person = PersonFactory(
        user__email="hand@hamburg.de", user__is_itd_staff=True, authority=authority
    )
    MembershipFactory(person=person, space=space, role=Membership.Role.COORDINATOR)
    user = person.user
    services.claims_apply(user=user, groups=[ROOM, ITD_GROUP, BVM_STAFF])
    # The claims ask for what the person holds already: nothing is given twice...
    assert _open(user) == set()
    services.claims_apply(user=user, groups=[])
    # ...and nothing of it ends when the groups go.
    user.refresh_from_db()
    assert user.is_itd_staff
    membership = _membership(user, space)
    assert membership is not None and membership.role == Membership.Role.COORDINATOR
    assert user.person.authority == authority


def test_every_change_is_audited_with_the_claim_and_an_ended_role_ends_the_sessions(
    table, staff, space
):
    staff.person.authority = Authority.objects.get(code="FB")  # staff of an authority: may sign in
    staff.person.save()
    client = client_for(staff)
    assert client.get("/dashboard/").status_code == 200
    services.claims_apply(user=staff, groups=[ROOM])
    grant = ClaimGrant.objects.get(user=staff)
    created = audit_of(grant).get(action=AuditEntry.Action.CREATE)
    assert created.changes["claim"]["new"] == ROOM
    logged = SecurityEvent.objects.filter(user=staff, kind=SecurityEvent.Kind.SSO)
    assert [(e.detail["action"], e.detail["claim"]) for e in logged] == [("granted", ROOM)]
    # A new role needs no new session (as when it is given by hand)...
    assert client.get("/dashboard/").status_code == 200

    services.claims_apply(user=staff, groups=[])
    # ...a role that ends ends the sessions: the person signs in again under what is left.
    assert client.get("/dashboard/").status_code == 302
    assert audit_of(grant).filter(action=AuditEntry.Action.UPDATE).exists()
    assert SecurityEvent.objects.filter(
        user=staff, kind=SecurityEvent.Kind.SSO, detail__action="ended", detail__claim=ROOM
    ).exists()


def test_unknown_groups_and_a_role_the_portal_cannot_give_change_nothing_else(
    table, staff, space, other_space
):
    # A group no rule names (a space that does not exist): nothing.
    assert services.claims_apply(user=staff, groups=["fhh-raum-gibt-es-nicht"]) == {
        "granted": [],
        "ended": [],
    }
    # A running guest membership in the space: the member role cannot be given on top; logged,
    # and the other roles still come.
    MembershipFactory(person=staff.person, space=space, role=Membership.Role.GUEST)
    services.claims_apply(user=staff, groups=[ROOM, ITD_GROUP])
    staff.refresh_from_db()
    assert staff.is_itd_staff
    membership = _membership(staff, space)
    assert membership is not None and membership.role == Membership.Role.GUEST


def test_a_role_ended_by_hand_comes_back_while_the_claim_says_so(table, staff, space):
    services.claims_apply(user=staff, groups=[ROOM])
    membership = _membership(staff, space)
    assert membership is not None
    from spaces.services import membership_close

    membership_close(membership=membership, actor=SYSTEM_ACTOR)
    services.claims_apply(user=staff, groups=[ROOM])
    assert _membership(staff, space) is not None
    assert ClaimGrant.objects.filter(user=staff).count() == 2  # the ended one and the new one


def test_the_stronger_of_two_rules_wins(table, staff, space, authority):
    services.claim_rule_create(
        actor=User.objects.get(is_itd_staff=True),
        claim="fhh-dv-bvm-vertretung",
        grants=Grants.DEPUTY,
        authority=authority,
    )
    services.claims_apply(user=staff, groups=[ROOM, LEAD, BVM_OFFICER, "fhh-dv-bvm-vertretung"])
    membership = _membership(staff, space)
    assert membership is not None and membership.role == Membership.Role.COORDINATOR
    officer = DigitalOfficer.objects.active().get(person__user=staff)
    assert officer.role == DigitalOfficer.Role.PRINCIPAL


# --- The table -------------------------------------------------------------------------------


def test_only_itd_keeps_the_table(itd, coordinator, officer, space):
    for user in (coordinator, officer):
        with pytest.raises(PermissionDenied):
            services.claim_rule_create(actor=user, claim="x", grants=Grants.ITD)
    rule = services.claim_rule_create(actor=itd, claim="x", grants=Grants.ITD)
    with pytest.raises(PermissionDenied):
        services.claim_rule_delete(actor=coordinator, rule=rule)
    services.claim_rule_delete(actor=itd, rule=rule)
    assert not ClaimRule.objects.exists()


def test_a_rule_must_name_what_its_role_needs_and_exists_once(itd, space):
    with pytest.raises(ValidationError):
        services.claim_rule_create(actor=itd, claim="x", grants=Grants.MEMBER)
    with pytest.raises(ValidationError):
        services.claim_rule_create(actor=itd, claim="x", grants=Grants.OFFICER)
    services.claim_rule_create(actor=itd, claim="x", grants=Grants.ITD)
    with pytest.raises(ValidationError):
        services.claim_rule_create(actor=itd, claim="x", grants=Grants.ITD)


@pytest.mark.parametrize("language", ["de", "en"])
def test_itd_adds_and_removes_a_rule_on_the_page(itd, space, language):
    client = client_for(itd)
    client.cookies["django_language"] = language
    page = client.get("/identity/claims/")
    assert page.status_code == 200
    # A member rule without its space: refused at the field, nothing stored.
    refused = client.post("/identity/claims/", {"claim": ROOM, "grants": Grants.MEMBER})
    assert refused.status_code == 400
    assert not ClaimRule.objects.exists()
    message = "Bitte wählen Sie den Digitalen Raum" if language == "de" else "Please choose the"
    assert message in refused.content.decode()
    added = client.post(
        "/identity/claims/", {"claim": ROOM, "grants": Grants.MEMBER, "space": space.pk}
    )
    assert added.status_code == 302
    rule = ClaimRule.objects.get()
    assert (rule.claim, rule.space) == (ROOM, space)
    # The same again: refused with a message, still one rule.
    twice = client.post(
        "/identity/claims/", {"claim": ROOM, "grants": Grants.MEMBER, "space": space.pk}
    )
    assert twice.status_code == 400 and ClaimRule.objects.count() == 1
    assert ROOM in client.get("/identity/claims/").content.decode()
    assert client.post(f"/identity/claims/{rule.pk}/delete/").status_code == 302
    assert not ClaimRule.objects.exists()


def test_a_person_sees_their_roles_from_the_provider(table, staff, space):
    services.claims_apply(user=staff, groups=[ROOM])
    page = client_for(staff).get("/accounts/identity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ROOM in html and "Mitglied eines Digitalen Raums" in html


def test_the_lists_mark_which_roles_came_from_the_service_account(
    table, staff, space, authority, itd, coordinator, member
):
    """Point 2: roles given by hand are marked as such beside those a claim gave, for whoever
    manages them (the space's coordinators; ITD and the person on the person page)."""
    services.claims_apply(user=staff, groups=[ROOM, BVM_OFFICER])
    by_claim = f"aus dem Dienstkonto (Gruppe „{ROOM}“)"
    officer_by_claim = f"aus dem Dienstkonto (Gruppe „{BVM_OFFICER}“)"
    by_hand = "(im Portal vergeben)"

    space_page = client_for(coordinator).get(space.get_absolute_url()).content.decode()
    # Each one's row in the table of members (their names appear in the news too).
    rows = {
        name: next(row for row in space_page.split("<tr") if name in row and "Rolle ändern" in row)
        for name in (staff.last_name, member.last_name)
    }
    assert by_claim in rows[staff.last_name] and by_hand not in rows[staff.last_name]
    assert by_hand in rows[member.last_name] and "Dienstkonto" not in rows[member.last_name]

    # A member who manages nothing sees the roles, not where they came from.
    seen_by_member = client_for(member).get(space.get_absolute_url()).content.decode()
    assert staff.last_name in seen_by_member
    assert "Dienstkonto (Gruppe" not in seen_by_member and by_hand not in seen_by_member

    person_url = reverse("spaces:person", args=[staff.person.pk])
    for viewer in (itd, staff):
        page = client_for(viewer).get(person_url).content.decode()
        assert by_claim in page and officer_by_claim in page
    assert "Dienstkonto (Gruppe" not in client_for(member).get(person_url).content.decode()

    # Ended by the claim, the role is gone from the list; a role given by hand after it is marked
    # as given in the portal.
    services.claims_apply(user=staff, groups=[])
    MembershipFactory(person=staff.person, space=space)
    page = client_for(itd).get(person_url).content.decode()
    assert "Dienstkonto (Gruppe" not in page and by_hand in page


# --- Reading the claims ----------------------------------------------------------------------


def test_the_claims_are_read_strictly(settings):
    settings.OIDC_ALLOWED_DOMAINS = ["hamburg.de"]
    assert email_allowed("a@hamburg.de") and email_allowed("a@bvm.hamburg.de")
    assert not email_allowed("a@hamburg.de.example.org")
    assert not email_allowed("a@nothamburg.de")
    assert not email_allowed("")
    assert email_verified({"email_verified": True})
    assert email_verified({"email_verified": "true"})
    for value in (None, False, "false", 1, "yes"):
        assert not email_verified({"email_verified": value})
    settings.OIDC_GROUPS_CLAIM = "groups"
    assert groups_of({"groups": ["a", "b", 3, None]}) == {"a", "b", "3"}
    assert groups_of({"groups": "a"}) == {"a"}
    assert groups_of({}) == set()
    settings.OIDC_MFA_AMR = ["otp", "mfa"]
    settings.OIDC_MFA_ACR = ["urn:fhh:mfa"]
    assert second_factor_asserted({"amr": ["pwd", "otp"]})
    assert second_factor_asserted({"acr": "urn:fhh:mfa"})
    assert not second_factor_asserted({"amr": ["pwd"], "acr": "urn:fhh:pwd"})
    assert not second_factor_asserted({"amr": "otp"})  # a string is not a list of methods
    assert not second_factor_asserted({})


# --- The sign-in page and a provider that fails ------------------------------------------------


def _provider_at(settings, issuer: str) -> None:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "fhh",
                    "name": "Dienstkonto der FHH",
                    "client_id": "portal-test",
                    "secret": "test-only",
                    "settings": {"server_url": issuer},
                }
            ],
        }
    }


def test_the_sign_in_page_offers_the_staff_account_only_when_one_is_configured(client, settings):
    assert "Dienstkonto" not in client.get("/accounts/login/").content.decode()
    _provider_at(settings, "http://127.0.0.1:9")
    html = client.get("/accounts/login/").content.decode()
    assert "Mit dem Dienstkonto der FHH anmelden" in html
    assert 'action="/accounts/oidc/fhh/login/"' in html
    # The password form stays, for invited partners.
    assert 'name="password"' in html


def test_a_provider_that_is_down_is_answered_with_a_message_and_the_password_form_works(
    client, settings, member
):
    _provider_at(settings, "http://127.0.0.1:9")  # nothing listens on the discard port
    answer = client.post("/accounts/oidc/fhh/login/")
    assert answer.status_code == 503
    assert "gerade nicht erreichbar" in answer.content.decode()
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.LOGIN_REFUSED, detail__reason="provider_unreachable"
    ).exists()
    signed_in = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert signed_in.status_code == 302 and signed_in["Location"] == "/dashboard/"


def test_a_forged_or_replayed_callback_changes_nothing_and_says_what_to_do(client, settings):
    _provider_at(settings, "http://127.0.0.1:9")
    users = User.objects.count()
    answer = client.get("/accounts/oidc/fhh/login/callback/?code=stolen&state=forged")
    assert "Bitte beginnen Sie die Anmeldung noch einmal" in answer.content.decode()
    assert User.objects.count() == users
    assert "_auth_user_id" not in client.session


def test_the_demo_table_gives_the_people_of_make_idp_their_documented_roles(reference_data):
    import importlib.util

    from django.conf import settings

    from identity.demo import seed_claim_rules

    path = Path(settings.BASE_DIR) / "scripts" / "idp_demo_config.py"
    spec = importlib.util.spec_from_file_location("idp_demo_config", path)
    assert spec is not None and spec.loader is not None
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    assert seed_claim_rules() > 0
    assert seed_claim_rules() == 0  # twice: nothing new
    roles = {
        email: {(t.grants, t.space_id is not None, t.authority_id) for t in wanted_roles(groups)}
        for _sub, email, _first, _last, groups, _mfa in config.PEOPLE
    }
    code = {a.pk: a.code for a in Authority.objects.all()}
    named = {email: {(g, s, code.get(a)) for g, s, a in found} for email, found in roles.items()}
    assert named == {
        "anna.schmidt@hamburg.de": {(Grants.ITD, False, None), (Grants.AUTHORITY, False, "ITD")},
        "jan.peters@bvm.hamburg.de": {
            (Grants.OFFICER, False, "BVM"),
            (Grants.AUTHORITY, False, "BVM"),
        },
        "lea.koch@hamburg.de": {
            (Grants.COORDINATOR, True, None),
            (Grants.AUTHORITY, False, "BUKEA"),
        },
        "tim.wolf@hamburg.de": {(Grants.MEMBER, True, None), (Grants.AUTHORITY, False, "BVM")},
    }
