"""Every rule table read both ways agrees: `can(user, action, obj)` (Python, one object) is true
exactly for the objects `restrict(queryset, user, action)` (SQL) keeps.

For every table registered in core.rules, every action, every role and a world of objects that
covers the interesting cases: projects public, internal and restricted in the coordinator's
space and in another space, led by the officer's authority, shared with further spaces and
participating authorities, with a guest of their own; memberships of coordinators, members and
guests (current, ended, upcoming) in both spaces; invitations into spaces and projects; people
with and without consent; budget lines, milestones, links and project guests of every project.
A disagreement is a bug in a rule (core.rules or an app's permissions.py).

The tables of actions on no object (model None) have no SQL side: each action is called for
every role and must answer a bool without raising.
"""

from __future__ import annotations

import datetime as dt
import importlib
import types
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from contacts.models import Authority, User
from contacts.permissions import forget_cached_facts
from core import rules
from core.audiences import SYSTEM_ACTOR
from hamburg_digital.layers import APPS
from projects.models import Milestone, Project, ProjectGuest, ProjectLink
from spaces.models import Membership, Space

from .conftest import (
    ROLES,
    kept_world,
    make_all_roles,
    the_authority,
    the_other_space,
    the_space,
)
from .factories import (
    DigitalOfficerFactory,
    ExternalPersonFactory,
    MembershipFactory,
    PersonFactory,
    ProjectFactory,
    UserFactory,
    budget_line,
    make_invitation,
)

TABLES = {model.__name__: table for model, table in rules.tables().items()}
# The models of our own apps deliberately without a rule table; every other model of ours needs
# one (a new model without a table fails test_every_protected_model_has_a_table).
WITHOUT_TABLE = {
    # Written by services, read by ITD in the admin and through the object they are about.
    "AuditEntry",
    "SecurityEvent",
    # What the identity management provisioned by SCIM: written and read only with its own
    # token (provisioning.permissions), read by ITD in the admin; no person's rule applies.
    "ScimUser",
    "ScimGroup",
    # Reference data everyone may read (names of organisations, the budget's categories,
    # funding sources, fiscal years, cost rates); writing them is a GLOBAL action.
    "Organisation",
    "FiscalYear",
    "CostCategory",
    "FundingSource",
    "CostRate",
    # The programme budget: PROJECT GLOBAL "manage_cost_rates" (ITD) writes it, the budget
    # figures are read through the projects whose budget one may see.
    "ProgrammeBudget",
    # Derived and technical rows: the budget's sums and its version lock.
    "BudgetSummary",
    "BudgetVersion",
    # A user's own digests and channel choices (USER "set_preferences" guards the writes).
    "Digest",
    "Preference",
    # Parts of a post, thread or meeting, read only through it (THREAD, POST, MEETING).
    "PostRevision",
    "Follow",
    "Mention",
    "Invitee",
    # A user's own calendar feed, reached by its secret token or the user's own page.
    "CalendarFeed",
    # Parts of an indicator (its intermediate targets) and of a report (its values), read and
    # written only through it (INDICATOR, SUBMISSION).
    "PathPoint",
    "SubmittedValue",
    # The roles a person's provider groups gave: read as their own (`/accounts/identity/`) and
    # by ITD (identity GLOBAL "manage_claims"), written only by claims_apply at the sign-in.
    "ClaimGrant",
    # Technical rows of the logout everywhere: which portal session came from which provider
    # session, and the logout tokens taken; never shown, written by the sign-in and the logout.
    "ProviderSession",
    "SeenLogoutToken",
    # Which Celery beat sends the schedule (core.beat): a technical row no person reads.
    "BeatLease",
}


def _our_models() -> set[str]:
    """Every model of the project's own apps (the one list, hamburg_digital/layers.py), from the
    registry: a new model of a listed app is found without anyone naming it."""
    return {
        model.__name__
        for config in apps.get_app_configs()
        if config.name in APPS
        for model in config.get_models()
    }


def _global_tables() -> dict[str, rules.RuleTable]:
    """The tables of actions on no object, from each app's permissions module."""
    found = {}
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.permissions")
        except ModuleNotFoundError:
            continue
        for name, value in vars(module).items():
            if isinstance(value, rules.RuleTable) and value.model is None:
                found[f"{config.name}.{name}"] = value
    return found


def test_every_protected_model_has_a_table():
    ours = _our_models()
    assert ours - WITHOUT_TABLE - set(TABLES) == set(), "a model of ours without a rule table"
    assert WITHOUT_TABLE & set(TABLES) == set(), "a model in WITHOUT_TABLE has a table now"
    assert not WITHOUT_TABLE - ours, "WITHOUT_TABLE names a model that does not exist"
    assert set(_global_tables()) == {
        "core.GLOBAL",
        "contacts.GLOBAL",
        "spaces.GLOBAL",
        "projects.GLOBAL",
        "access.GLOBAL",
        "notifications.GLOBAL",
        "meetings.GLOBAL",
        "reports.GLOBAL",
        "strategy.GLOBAL",
        "tokens.GLOBAL",
        "opendata.GLOBAL",
        "identity.GLOBAL",
        "inclusion.GLOBAL",
    }


@pytest.fixture(scope="module")
def kept(django_db_setup, django_db_blocker) -> Iterator[tuple[dict[str, Any], list[Project]]]:
    """The roles and the world, built once for the module's ~100 tests (`kept_world`): they
    only read, and what one writes is rolled back before the next."""

    def build() -> tuple[dict[str, Any], list[Project]]:
        roles = make_all_roles()
        return roles, _build_world(
            roles, the_space(), the_other_space(), the_authority(), roles["itd"]
        )

    yield from kept_world(django_db_blocker, build)


@pytest.fixture
def all_roles(kept, db):
    """The module's roles (in place of tests/conftest.py's, which would make them again)."""
    return kept[0]


@pytest.fixture
def world(kept, db):
    return kept[1]


def _build_world(all_roles, space, other_space, authority, itd) -> list[Project]:
    """The objects of the interesting cases (beyond the role fixtures' own memberships)."""
    today = timezone.localdate()
    third_space = Space.objects.exclude(pk__in=[space.pk, other_space.pk]).order_by("pk")[0]
    elsewhere = Authority.objects.get(code="FB")  # not the officer's authority
    member_authority = Authority.objects.get(code="BUKEA")
    guest = all_roles["guest"].person
    guest_ended = all_roles["guest_ended"].person

    def project(slug: str, where: Space, lead: Authority, visibility: str, **m2m) -> Project:
        p = ProjectFactory.create(
            slug=slug, primary_space=where, lead_authority=lead, visibility=visibility
        )
        for relation, objects in m2m.items():
            getattr(p, relation).add(*objects)
        return p

    projects = [
        project(f"{where_name}-{visibility}", where, elsewhere, visibility)
        for where_name, where in (("hier", space), ("dort", other_space))
        for visibility in ("public", "internal", "restricted")
    ]
    projects += [
        # Led by the officer's authority, outside their space.
        project("behoerde-restricted", third_space, authority, "restricted"),
        project("behoerde-internal", third_space, authority, "internal"),
        # The officer's authority only participates; the member's authority leads.
        project(
            "beteiligt",
            third_space,
            member_authority,
            "restricted",
            participating_authorities=[authority],
        ),
        # Further spaces: the coordinator's space, the guest's space.
        project("weiterer-raum", third_space, elsewhere, "restricted", spaces=[space]),
        project("gastraum-intern", third_space, elsewhere, "internal", spaces=[other_space]),
        project("gastraum-restricted", third_space, elsewhere, "restricted", spaces=[other_space]),
    ]
    invited = project("mit-gast", third_space, elsewhere, "restricted")
    invited_ended = project("gast-beendet", third_space, elsewhere, "restricted")
    projects += [invited, invited_ended]
    ProjectGuest.objects.create(project=invited, person=guest, until=today + dt.timedelta(days=30))
    # Notices: one to the member, one to the guest, one to an address without account.
    from notifications.models import Notification

    for recipient in (all_roles["member"], all_roles["guest"]):
        Notification.objects.create(
            recipient=recipient, email=recipient.email, kind="project_created", title="Neu"
        )
    Notification.objects.create(email="ohne.konto@example.org", kind="invitation_sent", title="E")
    # Reports of every scope, requested by different people.
    from reports.models import Report

    officer = all_roles["officer"]
    for scope, values, by in (
        ("programme", {}, itd),
        ("space", {"space": space}, all_roles["coordinator"]),
        ("space", {"space": other_space}, itd),
        ("authority", {"authority": authority}, officer),
        ("authority", {"authority": elsewhere}, itd),
    ):
        Report.objects.create(kind="lines", format="csv", scope=scope, requested_by=by, **values)
    # API tokens of several people, one revoked, one expired (their owners and ITD see them).
    from tokens.models import ApiToken

    for n, owner in enumerate((all_roles["member"], all_roles["guest"], officer, itd)):
        ApiToken.objects.create(
            owner=owner,
            name=f"Token {n}",
            key_id=f"{n:012x}",
            digest="0" * 64,
            pepper_id="00000000",
            created_at=timezone.now() - dt.timedelta(days=2),
            expires_at=timezone.now() + dt.timedelta(days=-1 if n == 1 else 30),
            revoked_at=timezone.now() if n == 2 else None,
        )
    from reports.models import ReportSchedule

    ReportSchedule.objects.create(
        title="Monatlich", kind="budget", format="xlsx", scope="programme", cadence="monthly"
    )
    ProjectGuest.objects.create(
        project=invited_ended,
        person=guest_ended,
        since=today - dt.timedelta(days=30),
        until=today - dt.timedelta(days=1),
    )
    # Guests the officer's project and the coordinator's project have (rows to see or edit).
    ProjectGuest.objects.create(
        project=projects[2],
        person=ExternalPersonFactory.create(),
        until=today + dt.timedelta(days=30),
    )
    ProjectGuest.objects.create(
        project=projects[6],
        person=ExternalPersonFactory.create(),
        until=today + dt.timedelta(days=9),
    )
    _documents(all_roles, space, other_space, third_space, projects)
    _strategy(all_roles, [space, other_space, third_space], [authority, elsewhere], projects)
    # Open data: a live publication and a withdrawn one.
    from opendata.models import Publication

    published_at = timezone.now()
    for kind, withdrawn in (("projects", False), ("budget", True)):
        Publication.objects.create(
            kind=kind,
            slug=kind,
            title=kind,
            description=kind,
            category="statistiken",
            published_at=published_at,
            modified_at=published_at,
            withdrawn_at=published_at if withdrawn else None,
        )
    # Leichte Sprache and DGS: a text (the migration's), its sign-off, a video, a wish.
    from inclusion.models import EasyText, RequestCount, SignOff, Video

    text, _new = EasyText.objects.get_or_create(item="inhalt", defaults={"title": "T", "body": "B"})
    SignOff.objects.create(text=text, readers="Prüfgruppe", checked_on=today, body_hash="0")
    Video.objects.create(
        item="inhalt", file_name="v.mp4", content_type="video/mp4", size=1, width=320,
        height=240, fps=25, duration=1, captions="WEBVTT", transcript="T",
    )  # fmt: skip
    RequestCount.objects.create(day=today, path="/", kind="dgs", count=1)
    # The identity provider's claims table: a rule for ITD staff and one for a space.
    from identity.models import ClaimRule

    ClaimRule.objects.create(claim="fhh-itd", grants="itd")
    ClaimRule.objects.create(claim="fhh-raum", grants="member", space=space)
    for i, p in enumerate(projects):
        budget_line(p, 2026, planned=100 + i)
        Milestone.objects.create(project=p, title="Start", due=dt.date(2026, 3, 1))
        ProjectLink.objects.create(project=p, title="Web", url="https://example.org")

    # Meetings in both spaces and a third: the member, the officer, the guest and the guest whose
    # access ended invited to some, nobody to others, one cancelled.
    from .factories import make_meeting

    make_meeting(space=space, invitees=[all_roles["member"]], title="Mitglied")
    make_meeting(space=space, invitees=[officer, all_roles["coordinator"]], title="Beauftragter")
    make_meeting(space=space, title="Niemand", cancelled_at=timezone.now())
    make_meeting(space=other_space, invitees=[guest, guest_ended], title="Gäste")
    make_meeting(space=other_space, title="Ohne Gäste")
    # Invited to a meeting of a space the member is not in (an invitation that outlived it).
    make_meeting(space=third_space, invitees=[all_roles["member"]], title="Fremder Raum")
    # A file on the agenda of every meeting (MEETING_FILE reads through the meeting).
    from meetings.models import Meeting, MeetingFile

    for i, meeting in enumerate(Meeting.objects.order_by("pk")):
        MeetingFile.objects.create(
            meeting=meeting,
            part=MeetingFile.Part.AGENDA,
            file=f"meetings/{i}.pdf",
            original_name="a.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
        )
    _discussions(all_roles, [space, other_space, third_space], projects)

    # Memberships in both spaces: coordinators, members, guests; current, ended, upcoming.
    coordinator_there = PersonFactory(authority=member_authority)
    MembershipFactory(person=coordinator_there, space=other_space, role="coordinator")
    second_coordinator = PersonFactory(authority=elsewhere)
    MembershipFactory(person=second_coordinator, space=space, role="coordinator")
    MembershipFactory(space=other_space, person=PersonFactory(authority=elsewhere))
    MembershipFactory(space=space, person=ExternalPersonFactory(), role="guest")
    ended = MembershipFactory.create(space=space, person=PersonFactory(authority=elsewhere))
    ended.ended_at = timezone.now()
    ended.save(update_fields=["ended_at"])
    MembershipFactory(
        space=space,
        person=PersonFactory(authority=elsewhere),
        since=today + dt.timedelta(days=10),
    )
    # The guest also shares a space with these people; others they share none with.
    MembershipFactory(space=other_space, person=ExternalPersonFactory(), role="guest")

    # People: with consent to be named or to show details to guests, and an inactive account.
    PersonFactory(
        authority=elsewhere,
        named_publicly=True,
        email_visible_to_guests=True,
        phone_visible_to_guests=True,
    )
    ExternalPersonFactory(email_visible_to_guests=True)
    PersonFactory(authority=elsewhere, user=UserFactory(is_active=False))
    DigitalOfficerFactory(person=PersonFactory(authority=elsewhere))

    # Invitations: guests and members into both spaces, guests into projects.
    coordinator = all_roles["coordinator"]
    make_invitation(space=space, invited_by=coordinator)
    make_invitation(space=space, invited_by=itd, role="member")
    make_invitation(space=space, invited_by=itd, role="coordinator")
    make_invitation(space=other_space, invited_by=itd)
    make_invitation(space=None, project=invited, invited_by=itd)
    make_invitation(space=None, project=projects[0], invited_by=itd)
    return projects


def _strategy(
    all_roles: dict[str, Any],
    spaces: list[Space],
    authorities: list[Authority],
    projects: list[Project],
) -> None:
    """Goals in the coordinator's, the guest's and a third space, measures led by the officer's
    authority and another, each with indicators and a value; an open round with reports in
    every state and a frozen one."""
    from decimal import Decimal

    from strategy.models import IndicatorValue, Round, Submission

    from .factories import strategy_tree

    today = timezone.localdate()
    measures = []
    for where in spaces:
        for lead in authorities:
            _goal, measure, indicators = strategy_tree(
                space=where, authority=lead, projects=projects[:2]
            )
            measures.append(measure)
            for indicator in indicators:
                IndicatorValue.objects.create(
                    indicator=indicator, on=today, value=Decimal(30), entered_by=all_roles["itd"]
                )
    for name, status, frozen_at in (
        ("offen", "open", None),
        ("eingefroren", "open", None),
    ):
        round_ = Round.objects.create(
            name=name,
            period_start=today - dt.timedelta(days=90),
            period_end=today,
            deadline=today,
            status=status,
            frozen_at=frozen_at,
        )
        round_.spaces.set(spaces[:2])
        states = list(Submission.Status.values)
        for i, measure in enumerate(measures):
            Submission.objects.create(round=round_, measure=measure, status=states[i % 4])
    # Frozen last: the database refuses changes to a frozen round's rows from here on.
    Round.objects.filter(name="eingefroren").update(status="frozen", frozen_at=timezone.now())


def _discussions(all_roles: dict[str, Any], spaces: list[Space], projects: list[Project]) -> None:
    """Threads in three spaces and on every project, open, locked and hidden, with posts of
    the member and the guest, one of them hidden."""
    from discussions.markup import render
    from discussions.models import Post, Thread

    now = timezone.now()
    states: list[dict[str, Any]] = [
        {},
        {"locked_at": now},
        {"hidden_at": now, "hidden_reason": "Test"},
    ]
    wheres: list[dict[str, Any]] = [{"space": s} for s in spaces]
    wheres += [{"project": p} for p in projects]
    for i, where in enumerate(wheres):
        thread = Thread.objects.create(title=f"Diskussion {i}", post_count=2, **where)
        Thread.objects.filter(pk=thread.pk).update(**states[i % 3])
        for number, author in ((1, all_roles["member"]), (2, all_roles["guest"])):
            Post.objects.create(
                thread=thread,
                number=number,
                author=author,
                body="Text",
                body_html=render("Text").html,
                **({"hidden_at": now, "hidden_reason": "Test"} if i % 4 == 3 else {}),
            )


def _documents(all_roles, space, other_space, third_space, projects) -> None:
    """Documents in three spaces and on every project, by different people, one deleted."""
    from documents.models import Document, DocumentVersion

    uploaders = ["member", "coordinator", "guest", "officer", "itd"]
    places = [{"space": s} for s in (space, other_space, third_space)]
    places += [{"project": p} for p in projects]
    for i, place in enumerate(places):
        by = all_roles[uploaders[i % len(uploaders)]]
        document = Document.objects.create(title=f"Dokument {i}", created_by=by, **place)
        DocumentVersion.objects.create(
            document=document,
            number=1,
            file=f"documents/{i}.pdf",
            original_name="a.pdf",
            extension="pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            uploaded_by=by,
        )
    deleted = Document.objects.create(
        space=space, title="Gelöscht", created_by=all_roles["member"], deleted_at=timezone.now()
    )
    DocumentVersion.objects.create(
        document=deleted,
        number=1,
        file="documents/x.pdf",
        original_name="x.pdf",
        extension="pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )


def _user(role: str, all_roles: dict[str, Any]) -> Any:
    """A fresh copy of the role's account (no facts cached), AnonymousUser for anonymous, the
    system actor of the jobs for "system"."""
    if role == "system":
        return SYSTEM_ACTOR
    user = all_roles[role]
    if user is None:
        return AnonymousUser()
    user = User.objects.get(pk=user.pk)
    forget_cached_facts(user)
    return user


@pytest.mark.parametrize("model_name", sorted(_our_models() - WITHOUT_TABLE))
def test_can_agrees_with_restrict(model_name, all_roles, world):
    table = TABLES[model_name]
    model = table.model
    objects = list(model._base_manager.order_by("pk"))
    assert objects, f"no {model_name} to check"
    disagreements = []
    for role in (*ROLES, "system"):
        for action in table.actions:
            user = _user(role, all_roles)
            kept = set(
                table.restrict(model.objects.all(), user, action).values_list("pk", flat=True)
            )
            for obj in objects:
                try:
                    allowed = table.can(user, action, obj)
                except Exception as error:  # noqa: BLE001 - reported below, with the case
                    allowed = f"raised {type(error).__name__}: {error}"
                if allowed is not (obj.pk in kept):
                    disagreements.append(
                        f"{role} {action} {model_name} {obj.pk} ({obj}): "
                        f"can={allowed!r}, restrict={'keeps' if obj.pk in kept else 'drops'}"
                    )
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(disagreements)


def test_the_world_covers_the_cases(all_roles, world):
    """Each role is allowed some and refused some objects (the check above is not vacuous)."""
    project = TABLES["Project"]
    for role in ROLES:
        user = _user(role, all_roles)
        visible = project.restrict(Project.objects.all(), user, "view").count()
        assert visible > 0, role
        if role != "itd":
            assert visible < Project.objects.count(), role
    coordinator = _user("coordinator", all_roles)
    assert TABLES["Membership"].restrict(Membership.objects.all(), coordinator, "change").exists()
    assert (
        Membership.objects.filter(role="coordinator", space__slug="mobilitaet-energie").count() > 1
    )


@pytest.mark.parametrize("name", sorted(_global_tables()))
def test_actions_on_no_object_answer_for_every_role(name, all_roles, world):
    table = _global_tables()[name]
    for role in ROLES:
        for action in table.actions:
            answer = table.can(_user(role, all_roles), action)
            assert isinstance(answer, bool), f"{name} {action} {role}: {answer!r}"
        # The ITD is allowed everything on no object.
        if role == "itd":
            assert all(table.can(_user(role, all_roles), a) for a in table.actions), name


def test_whose_access_depends_on_invitations_reads_the_same_both_ways(all_roles, world):
    """access.permissions.INVITATION_BOUND on one account and as the jobs' SQL: staff an
    invitation created, an account without a profile, an inactive guest included."""
    from access.permissions import access_depends_on_invitations, invitation_bound_users

    invited_staff = PersonFactory(authority=Authority.objects.get(code="FB")).user
    invited_staff.invited_account = True
    invited_staff.save()
    UserFactory(email="ohne.profil@example.org")
    inactive = ExternalPersonFactory().user
    inactive.is_active = False
    inactive.save()
    bound = set(invitation_bound_users().values_list("pk", flat=True))
    for user in User.objects.all():
        fresh = User.objects.get(pk=user.pk)
        if fresh.is_active:
            assert access_depends_on_invitations(fresh) is (user.pk in bound), user
    names = {role for role, user in all_roles.items() if user is not None and user.pk in bound}
    assert names == {"guest", "guest_ended"}
    assert invited_staff.pk in bound and inactive.pk in bound
    assert User.objects.get(email="ohne.profil@example.org").pk in bound


# --- The third reading: the accounts a rule admits (core.rules `holders`) -------------------

# Rules that must read as accounts: the portal asks them who to tell or to offer (the readers of
# a thread, who may receive a report, the authors of their own posts).
MUST_HOLD = {("Thread", "view"), ("Post", "own"), ("Post", "edit"), ("reports.GLOBAL", "request")}


def _accounts() -> list[Any]:
    """Every active account of the world, fresh (no facts cached)."""
    return [
        User.objects.get(pk=pk)
        for pk in User.objects.filter(is_active=True).values_list("pk", flat=True)
    ]


def _holder_disagreements(
    name: str, table: rules.RuleTable, objects: list[Any], accounts: list[Any]
) -> tuple[list[str], int]:
    disagreements, read = [], 0
    for action in table.actions:
        for obj in objects:
            try:
                held = set(table.holders(action, obj).values_list("pk", flat=True))
            except rules.NoHolders:
                assert (name, action) not in MUST_HOLD, f"{name} {action} has no holders"
                continue
            read += 1
            for user in accounts:
                allowed = table.can(user, action, obj)
                if allowed is not (user.pk in held):
                    disagreements.append(
                        f"{user.email} {action} {name} {getattr(obj, 'pk', '-')}: "
                        f"can={allowed}, holders={'has' if user.pk in held else 'lacks'}"
                    )
    return disagreements, read


@pytest.mark.parametrize("model_name", sorted(_our_models() - WITHOUT_TABLE))
def test_the_accounts_a_rule_admits_are_those_it_allows(model_name, all_roles, world):
    """`holders(action, obj)` (SQL on the accounts) holds exactly the active accounts for which
    `can(user, action, obj)` is true, for every object and action that has the reading."""
    table = TABLES[model_name]
    objects = list(table.model._base_manager.order_by("pk"))
    accounts = _accounts()
    assert len(accounts) > len(ROLES) - 2
    disagreements, _read = _holder_disagreements(model_name, table, objects, accounts)
    assert not disagreements, f"{len(disagreements)} disagreements:\n" + "\n".join(disagreements)


@pytest.mark.parametrize("name", sorted(_global_tables()))
def test_the_accounts_an_action_on_no_object_admits(name, all_roles, world):
    disagreements, _read = _holder_disagreements(name, _global_tables()[name], [None], _accounts())
    assert not disagreements, "\n".join(disagreements)


def test_the_readings_as_accounts_are_not_vacuous(all_roles, world):
    """The rules the portal asks for accounts have the reading, and it admits some and not all."""
    from discussions.models import Thread

    for thread in Thread.objects.all():
        held = TABLES["Thread"].holders("view", thread).count()
        assert 0 < held < User.objects.filter(is_active=True).count(), thread
    request = _global_tables()["reports.GLOBAL"].holders("request")
    assert all_roles["itd"] in request and all_roles["officer"] in request
    assert all_roles["member"] not in request and all_roles["guest"] not in request


def test_every_fact_reads_the_same_as_accounts(all_roles, world):
    """Each rules.Fact: `fact(user)` holds an id exactly when the user is among
    `fact.holders([id])`, and has any exactly when among `fact.holders()`."""
    facts = {
        value
        for config in apps.get_app_configs()
        if config.name in APPS
        for module_name in (f"{config.name}.permissions",)
        for value in vars(_module(module_name)).values()
        if isinstance(value, rules.Fact)
    }
    assert len(facts) >= 7, facts
    accounts = _accounts()
    for fact in facts:
        some = set(User.objects.filter(fact.holders()).values_list("pk", flat=True))
        ids = {i for user in accounts for i in fact(user)}
        assert ids, f"{fact} holds for nobody in the world"
        for user in accounts:
            assert bool(fact(User.objects.get(pk=user.pk))) is (user.pk in some), (fact, user)
        for i in ids:
            held = set(User.objects.filter(fact.holders([i])).values_list("pk", flat=True))
            for user in accounts:
                assert (i in fact(user)) is (user.pk in held), (fact, i, user)


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return types.SimpleNamespace()
