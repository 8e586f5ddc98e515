"""Every form that accepts POST, fed one certainly invalid value at a time (hypothesis).

For each form a VALID request is built (test_the_valid_request_is_accepted proves that it goes
through), then hypothesis changes exactly one parameter: a value of the wrong type, too long, with
control characters or bytes that are not UTF-8, a date that does not exist, a negative or huge
number, a required field left out, a field sent twice with the junk last, an unknown choice, the
id of an object that does not exist. The candidates are derived from the Django form's fields
(tests/robustness.py), not written per form.

Each answer must be a 4xx, or the form again (200 or 400) with an error the person can see, and
the database (every table but the session and security-log tables) must be unchanged. All
examples of a form run (each in a savepoint that is rolled back); the test then lists every
mutation that was not refused cleanly.

A new URL whose view accepts POST without a row in CASES fails `test_every_post_url_has_a_row`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
from collections.abc import Callable
from http.cookies import SimpleCookie

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings

from contacts.models import User
from spaces.models import Membership

from .conftest import client_for
from .factories import PASSWORD, OrganisationFactory, ProjectFactory, budget_line, make_invitation
from .robustness import (
    Family,
    Mutation,
    Outcome,
    Params,
    Request,
    changed_tables,
    db_fingerprint,
    form_families,
    formset_families,
    last_traceback_line,
    mutations,
    params,
    url_families,
    url_patterns,
)
from .test_permission_matrix import (
    MATRIX,
    _discussion_kwargs,
    _document_kwargs,
    _identity_kwargs,
    _inclusion_kwargs,
    _meeting_kwargs,
    _notification_kwargs,
    _opendata_kwargs,
    _project_kwargs,
    _project_url_names,
    _report_kwargs,
    _strategy_kwargs,
    _token_kwargs,
)

GOOD_PASSWORD = "Hafenkran-Elbphilharmonie-42"
NEW_PASSWORD = "Elbphilharmonie-Nebel-47"

# 25 examples per form keep the file well under a minute in CI; ROBUSTNESS_MAX_EXAMPLES=500 (say)
# walks (nearly) every derived mutation of every form.
ROBUSTNESS_SETTINGS = settings(
    max_examples=int(os.environ.get("ROBUSTNESS_MAX_EXAMPLES", "25")),
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow),
)


def _today() -> dt.date:
    return timezone.localdate()


# --- The cases ------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    request: Request
    user: User | None  # who posts (None: not signed in)
    families: list[Family]
    # What the valid request does: "db" writes, "mail" sends an e-mail, "redirect" only
    # redirects (the re-authentication is kept in the session).
    effect: str = "db"
    prepare: Callable[[Client], None] | None = None  # run once before the form is opened
    # A form whose valid answer is a page shown once (200, nothing to redirect to: the new API
    # token), recognised by this text in it; invalid input must still be refused as any other.
    shown_once: str = ""

    def __post_init__(self):
        self.families = self.families + url_families(self.request.url_name, self.request.kwargs)


class World:
    """The fixtures of conftest.py, created when a case first asks for them."""

    def __init__(self, request: pytest.FixtureRequest):
        self._request = request

    def __getattr__(self, name: str):
        return self._request.getfixturevalue(name)


# case id -> (URL name, builder)
CASES: dict[str, tuple[str, Callable[[World], Case]]] = {}


def case(case_id: str, url_name: str | None = None):
    def register(builder: Callable[[World], Case]):
        CASES[case_id] = (url_name or case_id, builder)
        return builder

    return register


@pytest.fixture
def project(space, authority):
    """Led by the officer's authority in the coordinator's space; budget in 2025-2027."""
    return ProjectFactory(
        slug="robust-projekt",
        primary_space=space,
        lead_authority=authority,
        start=dt.date(2025, 1, 1),
        end=dt.date(2027, 12, 31),
    )


@pytest.fixture
def milestone(project):
    from projects.models import Milestone

    return Milestone.objects.create(project=project, title="Start", due=dt.date(2026, 3, 1))


@pytest.fixture
def link(project):
    from projects.models import ProjectLink

    return ProjectLink.objects.create(project=project, title="Web", url="https://example.org/")


@pytest.fixture
def line(project):
    return budget_line(project, 2026, "sach", "itd", planned=1000, revised=1000)


@pytest.fixture
def cost_rate(db):
    from decimal import Decimal

    from projects.models import CostRate, FiscalYear

    return CostRate.objects.create(
        fiscal_year=FiscalYear.objects.get(year=2026),
        pay_grade="E 13",
        annual_full_cost=Decimal("98300.00"),
    )


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Hochschule für Robustheit")


# Spaces -------------------------------------------------------------------------------------


@case("spaces:member_add")
def _member_add(w: World) -> Case:
    from contacts.models import Person
    from spaces.forms import MembershipAddForm
    from spaces.permissions import assignable_roles

    user, space = w.coordinator, w.space
    data = params(
        person=str(Person.objects.get(user=w.outsider).pk),
        role="member",
        authority="",
        organisation="",
        since=_today().isoformat(),
        until="",
    )
    form = MembershipAddForm(roles=assignable_roles(user, space))
    return Case(
        Request("spaces:member_add", {"slug": space.slug}, data),
        user,
        form_families("post", form, data),
    )


def _membership_of_member(w: World) -> Membership:
    return Membership.objects.get(person__user=w.member, space=w.space)


@case("spaces:member_role")
def _member_role(w: World) -> Case:
    from spaces.forms import MembershipRoleForm
    from spaces.permissions import assignable_roles

    user, space, membership = w.coordinator, w.space, _membership_of_member(w)
    data = params(role="guest", until=(_today() + dt.timedelta(days=30)).isoformat())
    form = MembershipRoleForm(roles=assignable_roles(user, space), membership=membership)
    return Case(
        Request("spaces:member_role", {"slug": space.slug, "pk": membership.pk}, data),
        user,
        form_families("post", form, data),
    )


@case("spaces:member_end")
def _member_end(w: World) -> Case:
    membership = _membership_of_member(w)
    kwargs = {"slug": w.space.slug, "pk": membership.pk}
    return Case(Request("spaces:member_end", kwargs, {}), w.coordinator, [])


# Invitations --------------------------------------------------------------------------------


def _invitation_data(organisation) -> dict:
    return params(
        email="neu.gast@partner.example.org",
        first_name="Gesa",
        last_name="Gast",
        role="guest",
        organisation=str(organisation.pk),
        until=(_today() + dt.timedelta(days=60)).isoformat(),
        message="Willkommen im Raum!",
    )


@case("access:invitation_space_create")
def _invitation_create(w: World) -> Case:
    from access.forms import InvitationForm
    from access.permissions import invitable_roles

    user, space = w.coordinator, w.space
    data = _invitation_data(w.organisation)
    form = InvitationForm(roles=invitable_roles(user, space))
    return Case(
        Request("access:invitation_space_create", {"slug": space.slug}, data),
        user,
        form_families("post", form, data),
    )


@case("access:invitation_project_create")
def _invitation_project_create(w: World) -> Case:
    from access.forms import InvitationForm

    data = _invitation_data(w.organisation)
    form = InvitationForm(roles=["guest"])
    return Case(
        Request("access:invitation_project_create", {"slug": w.project.slug}, data),
        w.itd,
        form_families("post", form, data),
    )


def _pending_invitation(w: World):
    invitation, _token = make_invitation(space=w.space, invited_by=w.coordinator)
    return invitation


def _invitation_action(name: str):
    def build(w: World) -> Case:
        invitation = _pending_invitation(w)
        return Case(Request(name, {"pk": invitation.pk}, {}), w.coordinator, [])

    return build


case("access:invitation_resend")(_invitation_action("access:invitation_resend"))
case("access:invitation_revoke")(_invitation_action("access:invitation_revoke"))


@case("access:invitation_extend")
def _invitation_extend(w: World) -> Case:
    from access.forms import InvitationExtendForm

    invitation = _pending_invitation(w)
    data = params(until=(_today() + dt.timedelta(days=200)).isoformat())
    return Case(
        Request("access:invitation_extend", {"pk": invitation.pk}, data),
        w.coordinator,
        form_families("post", InvitationExtendForm(), data),
    )


@case("access:invitation_end_access")
def _invitation_end_access(w: World) -> Case:
    from access import services

    invitation, token = make_invitation(space=w.space, invited_by=w.coordinator)
    services.invitation_accept(token=token, user=None, password=GOOD_PASSWORD)
    return Case(
        Request("access:invitation_end_access", {"pk": invitation.pk}, {}), w.coordinator, []
    )


CONSENT: Params = {"accept_terms": ["on"], "accept_privacy": ["on"]}


@case("invitation_accept[new account]", "access:invitation_accept")
def _accept_new(w: World) -> Case:
    from access.forms import InvitationAcceptNewForm

    invitation, token = make_invitation(space=w.space, invited_by=w.coordinator)
    data = {
        **params(
            first_name="Gesa",
            last_name="Gast",
            password1=GOOD_PASSWORD,
            password2=GOOD_PASSWORD,
        ),
        **CONSENT,
    }
    form = InvitationAcceptNewForm(email=invitation.email)
    return Case(
        Request("access:invitation_accept", {"token": token}, data),
        None,
        form_families("post", form, data),
    )


@case("invitation_accept[existing account]", "access:invitation_accept")
def _accept_existing(w: World) -> Case:
    from access.forms import InvitationAcceptExistingForm

    _invitation, token = make_invitation(
        space=w.space, invited_by=w.coordinator, email=w.outsider.email
    )
    data = {**params(password=PASSWORD), **CONSENT}
    return Case(
        Request("access:invitation_accept", {"token": token}, data),
        None,
        form_families("post", InvitationAcceptExistingForm(), data),
    )


@case("invitation_accept[signed in]", "access:invitation_accept")
def _accept_signed_in(w: World) -> Case:
    from access.forms import InvitationAcceptSignedInForm

    _invitation, token = make_invitation(
        space=w.space, invited_by=w.coordinator, email=w.guest.email
    )
    data = dict(CONSENT)
    return Case(
        Request("access:invitation_accept", {"token": token}, data),
        w.guest,
        form_families("post", InvitationAcceptSignedInForm(), data),
    )


@case("contacts:my_data_delete")
def _my_data_delete(w: World) -> Case:
    from contacts.forms import AccountDeleteForm

    data = params(password=PASSWORD, confirm="on")
    return Case(
        Request("contacts:my_data_delete", {}, data),
        w.member,
        form_families("post", AccountDeleteForm(user=w.member), data),
    )


@case("contacts:my_profile")
def _my_profile(w: World) -> Case:
    from contacts.forms import ProfileForm

    data = params(
        function="Referentin Digitalisierung",
        phone="+49 40 428 1234",
        email_visible_to_guests="on",
        named_publicly="on",
    )
    return Case(
        Request("contacts:my_profile", {}, data),
        w.member,
        form_families("post", ProfileForm(), data),
    )


# Notifications ------------------------------------------------------------------------------


def _notice_of(user: User, **fields):
    from notifications.models import Notification

    values = {"kind": "project_created", "title": "Neu", "url": "/", **fields}
    return Notification.objects.create(recipient=user, email=user.email, **values)


@case("notifications:preferences")
def _notification_preferences(w: World) -> Case:
    from notifications.forms import PreferencesForm

    form = PreferencesForm(initial={})
    data = params(**dict.fromkeys(form.fields, "daily"))
    return Case(
        Request("notifications:preferences", {}, data),
        w.member,
        form_families("post", form, data),
    )


@case("notifications:read_all")
def _notifications_read_all(w: World) -> Case:
    from notifications.forms import NotificationFilterForm

    _notice_of(w.member)
    data = params(kind="project_created", space=w.space.slug)
    _notice_of(w.member, space=w.space)
    form = NotificationFilterForm(None, user=w.member)
    return Case(
        Request("notifications:read_all", {}, data), w.member, form_families("post", form, data)
    )


@case("notifications:read")
def _notification_read(w: World) -> Case:
    notice = _notice_of(w.member)
    return Case(Request("notifications:read", {"pk": notice.pk}, {}), w.member, [])


@case("notifications:unsubscribe")
def _notification_unsubscribe(w: World) -> Case:
    from notifications.services import unsubscribe_token

    token = unsubscribe_token(w.member, "project_created")
    return Case(Request("notifications:unsubscribe", {"token": token}, {}), w.member, [])


@case("notifications:failed_retry_all")
def _notification_failed_retry_all(w: World) -> Case:
    _notice_of(w.member, mail_status="failed")
    return Case(Request("notifications:failed_retry_all", {}, {}), w.itd, [])


@case("notifications:failed_retry")
def _notification_failed_retry(w: World) -> Case:
    notice = _notice_of(w.member, mail_status="failed")
    kwargs = {"kind": "notification", "pk": notice.pk}
    return Case(Request("notifications:failed_retry", kwargs, {}), w.itd, [])


# Meetings -----------------------------------------------------------------------------------


def _meeting_data(w: World) -> Params:
    start = timezone.localtime().replace(hour=10, minute=0) + dt.timedelta(days=5)
    return params(
        title="Jour fixe",
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=(start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        place="BVM, Alter Steinweg 4",
        video_url="https://meet.example.org/jour-fixe",
        agenda="1. Stand",
        invitees=[str(w.member.person.pk)],
    )


def _meeting_of(w: World, **fields):
    from .factories import make_meeting

    return make_meeting(space=w.space, invitees=[w.member], **fields)


def _meeting_file_case(w: World, url_name: str, kwargs: dict, form, data, field: str) -> Case:
    """A form with an optional file field: the valid request carries one file; the bad files
    are those of the documents, but for "left out" (no file is fine here) and "only a path"
    (Django's upload parser drops a file whose name is only a path before any view sees it,
    so it arrives as no file at all, which is fine here too)."""
    from .document_files import pdf

    _small_limit(w)
    form.fields.pop(field)  # its mutations are the files
    families = [f for f in _file_families(field) if f.kind not in ("left out", "only a path")]
    request = Request(url_name, kwargs, data, files={field: [("tagesordnung.pdf", pdf())]})
    return Case(request, w.coordinator, form_families("post", form, data) + families)


@case("meetings:create")
def _meeting_create(w: World) -> Case:
    from meetings.forms import MeetingForm

    data = _meeting_data(w)
    form = MeetingForm(space=w.space)
    kwargs = {"slug": w.space.slug}
    return _meeting_file_case(w, "meetings:create", kwargs, form, data, "agenda_files")


@case("meetings:edit")
def _meeting_edit(w: World) -> Case:
    from meetings.forms import MeetingForm

    meeting = _meeting_of(w)
    data = _meeting_data(w)
    form = MeetingForm(space=w.space)
    kwargs = {"pk": meeting.pk}
    return _meeting_file_case(w, "meetings:edit", kwargs, form, data, "agenda_files")


@case("meetings:minutes")
def _meeting_minutes(w: World) -> Case:
    from meetings.forms import MinutesForm

    meeting = _meeting_of(w)
    data = params(minutes="TOP 1: Stand\nTOP 2: Verschiedenes")
    kwargs = {"pk": meeting.pk}
    return _meeting_file_case(w, "meetings:minutes", kwargs, MinutesForm(), data, "minutes_files")


@case("meetings:file_remove")
def _meeting_file_remove(w: World) -> Case:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from meetings import services

    from .document_files import pdf

    meeting = _meeting_of(w)
    services.meeting_minutes_set(
        actor=w.coordinator,
        meeting=meeting,
        minutes="",
        minutes_files=[SimpleUploadedFile("anlage.pdf", pdf())],
    )
    kwargs = {"pk": meeting.pk, "file": meeting.files.get().pk}
    return Case(Request("meetings:file_remove", kwargs, {}), w.coordinator, [])


@case("meetings:cancel")
def _meeting_cancel(w: World) -> Case:
    meeting = _meeting_of(w)
    return Case(Request("meetings:cancel", {"pk": meeting.pk}, {}), w.coordinator, [])


@case("meetings:answer")
def _meeting_answer(w: World) -> Case:
    from meetings.forms import AnswerForm

    meeting = _meeting_of(w)
    data = params(answer="yes")
    return Case(
        Request("meetings:answer", {"pk": meeting.pk}, data),
        w.member,
        form_families("post", AnswerForm(), data),
    )


@case("meetings:feed_renew")
def _feed_renew(w: World) -> Case:
    return Case(Request("meetings:feed_renew", {}, {}), w.member, [])


@case("meetings:feed_revoke")
def _feed_revoke(w: World) -> Case:
    from meetings.services import feed_renew

    feed_renew(actor=w.member)
    return Case(Request("meetings:feed_revoke", {}, {}), w.member, [])


# API tokens ---------------------------------------------------------------------------------


def _confirm_password(client: Client) -> None:
    from django.urls import reverse

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})


@case("tokens:create")
def _token_create(w: World) -> Case:
    from tokens.forms import TokenForm

    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    data = params(name="Skript", access="read", expires_on=expires)
    return Case(
        Request("tokens:create", {}, data),
        w.member,
        form_families("post", TokenForm(user=w.member), data),
        prepare=_confirm_password,
        shown_once='id="token-value"',
    )


@case("tokens:revoke")
def _token_revoke(w: World) -> Case:
    from tokens.services import token_create

    token, _plain = token_create(
        actor=w.member,
        name="Robust",
        can_write=False,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return Case(Request("tokens:revoke", {"pk": token.pk}, {}), w.member, [])


# Discussions --------------------------------------------------------------------------------


def _thread_of(w: World, **state):
    """A thread in the coordinator's space, opened by the member (who follows it)."""
    from discussions import services
    from discussions.models import Thread

    thread = services.thread_start(
        actor=w.member, where=w.space, title="Robuste Diskussion", body="Erster Beitrag"
    )
    if state:
        Thread.objects.filter(pk=thread.pk).update(**state)
        thread.refresh_from_db()
    return thread


@case("discussions:space_thread_new")
def _space_thread_new(w: World) -> Case:
    from discussions.forms import ThreadForm

    data = params(title="Ladesäulen", body="Wer hat **Zahlen**? @niemand.bekannt")
    return Case(
        Request("discussions:space_thread_new", {"slug": w.space.slug}, data),
        w.member,
        form_families("post", ThreadForm(), data),
    )


@case("discussions:project_thread_new")
def _project_thread_new(w: World) -> Case:
    from discussions.forms import ThreadForm

    data = params(title="Ausschreibung", body="Stand der Vergabe?")
    return Case(
        Request("discussions:project_thread_new", {"slug": w.project.slug}, data),
        w.officer,
        form_families("post", ThreadForm(), data),
    )


@case("discussions:thread")
def _thread_reply(w: World) -> Case:
    from discussions.forms import ReplyForm

    thread = _thread_of(w)
    data = params(body="Eine Antwort mit [Link](https://example.org).")
    return Case(
        Request("discussions:thread", {"pk": thread.pk}, data),
        w.coordinator,
        form_families("post", ReplyForm(), data),
    )


@case("discussions:post_edit")
def _post_edit(w: World) -> Case:
    from discussions.forms import PostEditForm

    post = _thread_of(w).posts.get()
    data = params(title="Robuste Diskussion (neu)", body="Geänderter Beitrag")
    return Case(
        Request("discussions:post_edit", {"pk": post.pk}, data),
        w.member,
        form_families("post", PostEditForm(opening=True), data),
    )


def _hide_case(name: str, kwargs: dict, user: User) -> Case:
    from discussions.forms import ReasonForm

    data = params(reason="Unsachlich")
    return Case(Request(name, kwargs, data), user, form_families("post", ReasonForm(), data))


@case("discussions:thread_hide")
def _thread_hide(w: World) -> Case:
    return _hide_case("discussions:thread_hide", {"pk": _thread_of(w).pk}, w.coordinator)


@case("discussions:post_hide")
def _post_hide(w: World) -> Case:
    post = _thread_of(w).posts.get()
    return _hide_case("discussions:post_hide", {"pk": post.pk}, w.coordinator)


def _thread_action(name: str, role: str, **state):
    def build(w: World) -> Case:
        thread = _thread_of(w, **state)
        return Case(Request(name, {"pk": thread.pk}, {}), getattr(w, role), [])

    return build


_HIDDEN = {"hidden_at": dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC), "hidden_reason": "Test"}
_LOCKED = {"locked_at": dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)}
case("discussions:follow")(_thread_action("discussions:follow", "coordinator"))
case("discussions:unfollow")(_thread_action("discussions:unfollow", "member"))
case("discussions:thread_lock")(_thread_action("discussions:thread_lock", "coordinator"))
case("discussions:thread_unlock")(
    _thread_action("discussions:thread_unlock", "coordinator", **_LOCKED)
)
case("discussions:thread_unhide")(
    _thread_action("discussions:thread_unhide", "coordinator", **_HIDDEN)
)


@case("discussions:post_unhide")
def _post_unhide(w: World) -> Case:
    from discussions.models import Post

    post = _thread_of(w).posts.get()
    Post.objects.filter(pk=post.pk).update(**_HIDDEN)
    return Case(Request("discussions:post_unhide", {"pk": post.pk}, {}), w.coordinator, [])


# Reports ------------------------------------------------------------------------------------


@case("reports:archive")
def _report_request(w: World) -> Case:
    from reports.forms import ReportRequestForm

    data = params(kind="budget", format="xlsx", scope="programme", fiscal_year="2026")
    form = ReportRequestForm(None, user=w.itd)
    return Case(Request("reports:archive", {}, data), w.itd, form_families("post", form, data))


def _report_of(user: User, **fields):
    from reports.models import Report

    values = {"kind": "lines", "format": "csv", "scope": "programme", "status": "ready"}
    return Report.objects.create(requested_by=user, **{**values, **fields})


@case("reports:delete")
def _report_delete(w: World) -> Case:
    report = _report_of(w.coordinator, scope="space", space=w.space)
    return Case(Request("reports:delete", {"pk": report.pk}, {}), w.coordinator, [])


def _schedule_data(w: World) -> dict:
    return params(
        title="Monatsbericht",
        kind="budget",
        format="xlsx",
        scope_choice=f"space:{w.space.slug}",
        cadence="monthly",
        recipients=[str(w.coordinator.pk)],
        active="on",
    )


@case("reports:schedule_new")
def _schedule_new(w: World) -> Case:
    from reports.forms import ScheduleForm

    data = _schedule_data(w)
    form = ScheduleForm(None, user=w.itd)
    return Case(Request("reports:schedule_new", {}, data), w.itd, form_families("post", form, data))


def _schedule(w: World):
    from reports.models import ReportSchedule

    return ReportSchedule.objects.create(
        title="Alt", kind="budget", format="xlsx", scope="programme", cadence="weekly"
    )


@case("reports:schedule_edit")
def _schedule_edit(w: World) -> Case:
    from reports.forms import ScheduleForm

    schedule = _schedule(w)
    data = _schedule_data(w)
    form = ScheduleForm(None, instance=schedule, user=w.itd)
    kwargs = {"pk": schedule.pk}
    return Case(
        Request("reports:schedule_edit", kwargs, data), w.itd, form_families("post", form, data)
    )


@case("reports:schedule_delete")
def _schedule_delete(w: World) -> Case:
    schedule = _schedule(w)
    return Case(Request("reports:schedule_delete", {"pk": schedule.pk}, {}), w.itd, [])


# Projects -----------------------------------------------------------------------------------


def _project_data(w: World, **values) -> dict:
    from contacts.models import Authority, Person

    other_authority = Authority.objects.current().exclude(pk=w.authority.pk).order_by("code")[0]
    return params(
        **{
            "title": "Digitaler Bauantrag",
            "slug": "digitaler-bauantrag",
            "summary": "Bauanträge online stellen.",
            "description": "Ein Vorhaben der Digitalstrategie.",
            "primary_space": str(w.space.pk),
            "spaces": [str(w.other_space.pk)],
            "lead_authority": str(w.authority.pk),
            "participating_authorities": [str(other_authority.pk)],
            "partner_organisations": [str(w.organisation.pk)],
            "contact_persons": [str(Person.objects.get(user=w.officer).pk)],
            "status": "planned",
            "health": "amber",
            "health_reason": "Die Ausschreibung verzögert sich.",
            "start": "2026-01-01",
            "end": "2027-12-31",
            "visibility": "internal",
            "version": "",
            **values,
        }
    )


@case("projects:create")
def _project_create(w: World) -> Case:
    from projects.forms import ProjectForm

    data = _project_data(w)
    return Case(
        Request("projects:create", {}, data),
        w.officer,
        form_families("post", ProjectForm(user=w.officer), data),
    )


@case("projects:edit")
def _project_edit(w: World) -> Case:
    from projects.forms import ProjectForm

    project = w.project
    w.line  # noqa: B018 - a budget line in 2026: the period must keep covering it
    data = _project_data(
        w,
        title="Robustes Projekt (neu)",
        slug=project.slug,
        start="2025-01-01",
        version=str(project.version),
    )
    return Case(
        Request("projects:edit", {"slug": project.slug}, data),
        w.officer,
        form_families("post", ProjectForm(instance=project, user=w.officer), data),
    )


def _delete_case(name: str, kwargs: dict, user: User, version: str = "") -> Case:
    from projects.forms import DeleteConfirmForm

    data = params(version=version)
    return Case(Request(name, kwargs, data), user, form_families("post", DeleteConfirmForm(), data))


@case("projects:delete")
def _project_delete(w: World) -> Case:
    project = w.project
    return _delete_case(
        "projects:delete", {"slug": project.slug}, w.officer, version=str(project.version)
    )


@case("projects:milestones")
def _project_milestones(w: World) -> Case:
    from projects.forms import LinkFormSet, MilestoneFormSet

    project, milestone, link = w.project, w.milestone, w.link
    data = params(
        **{
            "milestones-TOTAL_FORMS": "2",
            "milestones-INITIAL_FORMS": "1",
            "milestones-MIN_NUM_FORMS": "0",
            "milestones-MAX_NUM_FORMS": "100",
            "milestones-0-milestone_id": str(milestone.pk),
            "milestones-0-title": "Start (verschoben)",
            "milestones-0-due": "2026-04-01",
            "milestones-0-done": "",
            "milestones-1-milestone_id": "",
            "milestones-1-title": "Abnahme",
            "milestones-1-due": "2026-09-30",
            "milestones-1-done": "2026-09-15",
            "links-TOTAL_FORMS": "2",
            "links-INITIAL_FORMS": "1",
            "links-MIN_NUM_FORMS": "0",
            "links-MAX_NUM_FORMS": "50",
            "links-0-link_id": str(link.pk),
            "links-0-title": "Website",
            "links-0-url": "https://example.org/projekt",
            "links-1-link_id": "",
            "links-1-title": "Quellcode",
            "links-1-url": "https://example.org/quellcode",
        }
    )
    families = formset_families(MilestoneFormSet(prefix="milestones"), data, rows=2)
    families += formset_families(LinkFormSet(prefix="links"), data, rows=2)
    return Case(Request("projects:milestones", {"slug": project.slug}, data), w.officer, families)


@case("projects:milestone_delete")
def _milestone_delete(w: World) -> Case:
    kwargs = {"slug": w.project.slug, "pk": w.milestone.pk}
    return _delete_case("projects:milestone_delete", kwargs, w.officer)


@case("projects:link_delete")
def _link_delete(w: World) -> Case:
    return _delete_case(
        "projects:link_delete", {"slug": w.project.slug, "pk": w.link.pk}, w.officer
    )


def _model_bounds(model, name: str) -> tuple[int | None, int | None]:
    """The range a model field's Min/MaxValueValidators allow."""
    from django.core.validators import MaxValueValidator, MinValueValidator

    low = high = None
    for validator in model._meta.get_field(name).validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
    return low, high


@case("projects:budget")
def _budget(w: World) -> Case:
    from projects.forms import BudgetLineFormSet, FiscalYearForm
    from projects.models import CostCategory, FiscalYear, FundingSource

    project, line = w.project, w.line
    w.cost_rate  # noqa: B018 - the personnel row is computed with it
    categories, sources = list(CostCategory.objects.all()), list(FundingSource.objects.all())
    cat = {c.code: str(c.pk) for c in categories}
    src = {s.code: str(s.pk) for s in sources}
    blank = dict.fromkeys(
        (
            "line_id",
            "version",
            "einzelplan",
            "aufgabenbereich",
            "produktgruppe",
            "fte",
            "pay_grade",
            "months",
            "planned",
            "revised",
            "committed",
            "actual",
            "note",
        ),
        "",
    )
    rows = [
        {
            **blank,
            "line_id": str(line.pk),
            "version": str(line.version),
            "category": cat["sach"],
            "funding_source": src["itd"],
            "planned": "1.500,00",
            "committed": "100",
            "actual": "0,44",
            "note": "erhöht",
        },
        {
            **blank,
            "category": cat["it-dl"],
            "funding_source": src["eigen"],
            "einzelplan": "1.2",
            "aufgabenbereich": "A 1",
            "produktgruppe": "P 1",
            "planned": "20000",
            "revised": "21.000,00",
        },
        {
            **blank,
            "category": cat["personal"],
            "funding_source": src["eigen"],
            "fte": "0,5",
            "pay_grade": "E 13",
            "months": "6",
        },
    ]
    data = params(
        **{
            "lines-TOTAL_FORMS": str(len(rows)),
            "lines-INITIAL_FORMS": "1",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200",
        }
    )
    for index, row in enumerate(rows):
        data.update(params(**{f"lines-{index}-{k}": v for k, v in row.items()}))
    query = params(year="2026")
    formset = BudgetLineFormSet(prefix="lines", categories=categories, sources=sources)
    families = formset_families(formset, data, rows=len(rows))
    # ?year= names a fiscal year: the model allows 2000 to 2100.
    families += form_families(
        "query",
        FiscalYearForm(None, project=project, default_year=2026),
        query,
        bounds={"year": _model_bounds(FiscalYear, "year")},
    )
    return Case(
        Request("projects:budget", {"slug": project.slug}, data, query), w.officer, families
    )


@case("projects:budget_line_delete")
def _budget_line_delete(w: World) -> Case:
    line = w.line
    kwargs = {"slug": w.project.slug, "pk": line.pk}
    return _delete_case("projects:budget_line_delete", kwargs, w.officer, str(line.version))


@case("projects:cost_rates")
def _cost_rates(w: World) -> Case:
    from projects.forms import CostRateForm

    data = params(fiscal_year="2026", pay_grade="E 14", annual_full_cost="105.000,00")
    return Case(
        Request("projects:cost_rates", {}, data), w.itd, form_families("post", CostRateForm(), data)
    )


@case("projects:programme_budget")
def _programme_budget(w: World) -> Case:
    from projects.forms import ProgrammeBudgetForm

    data = params(amount="12.000.000,00", note="Haushalt 2026")
    return Case(
        Request("projects:programme_budget", {}, data),
        w.itd,
        form_families("post", ProgrammeBudgetForm(), data),
    )


# Documents ----------------------------------------------------------------------------------

# The robustness cases run with a small upload limit, so "too large" is a small file here.
SMALL_LIMIT = 64 * 1024


def _file_families(name: str) -> list[Family]:
    """Files that must be refused: none, empty, too large, executable or markup under a
    harmless name, a forbidden type, an extension that does not fit, a name that is a path."""
    from .document_files import HTML, REFUSED, SVG, pdf, png

    def family(kind: str, *values: tuple[str, bytes] | None) -> Family:
        return Family("file", name, kind, tuple(values))

    return [
        family("left out", None),
        family("empty file", ("protokoll.pdf", b"")),
        family("too large", ("protokoll.pdf", pdf() + b"%" * SMALL_LIMIT)),
        family(
            "executable content",
            *(REFUSED[k][:2] for k in ("windows-exe-as-pdf", "elf-as-txt", "script-as-txt")),
        ),
        family("markup", ("bericht.pdf", HTML), ("notiz.txt", HTML), ("bild.svg", SVG)),
        family("forbidden type", REFUSED["zip"][:2], REFUSED["legacy-doc"][:2]),
        family("extension does not fit", ("bericht.pdf", png())),
        family("only a path", ("../", pdf()), ("..", pdf()), ("/", pdf())),
    ]


def _small_limit(w: World) -> None:
    w.settings.DOCUMENT_MAX_SIZE = SMALL_LIMIT


def _document_case(w: World, url_name: str, kwargs: dict, user: User, form, data) -> Case:
    from .document_files import pdf

    _small_limit(w)
    request = Request(url_name, kwargs, data, files={"file": [("protokoll.pdf", pdf())]})
    return Case(request, user, form_families("post", form, data) + _file_families("file"))


@case("documents:space_new")
def _document_space_new(w: World) -> Case:
    from documents.forms import DocumentForm

    data = params(title="Protokoll März", description="Sitzung vom 3. März")
    form = DocumentForm()
    form.fields.pop("file")  # its mutations are the files above
    kwargs = {"slug": w.space.slug}
    return _document_case(w, "documents:space_new", kwargs, w.member, form, data)


@case("documents:project_new")
def _document_project_new(w: World) -> Case:
    from documents.forms import DocumentForm

    data = params(title="Steckbrief", description="")
    form = DocumentForm()
    form.fields.pop("file")
    kwargs = {"slug": w.project.slug}
    return _document_case(w, "documents:project_new", kwargs, w.officer, form, data)


def _a_document(w: World):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services

    from .document_files import pdf

    return services.document_create(
        actor=w.member,
        container=w.space,
        title="Protokoll",
        upload=SimpleUploadedFile("protokoll.pdf", pdf()),
        notify=False,
    )


@case("documents:version_new")
def _document_version_new(w: World) -> Case:
    from documents.forms import VersionForm

    data = params(note="Korrekturen")
    form = VersionForm()
    form.fields.pop("file")
    kwargs = {"pk": _a_document(w).pk}
    return _document_case(w, "documents:version_new", kwargs, w.coordinator, form, data)


@case("documents:delete")
def _document_delete(w: World) -> Case:
    kwargs = {"pk": _a_document(w).pk}
    return Case(Request("documents:delete", kwargs, {}), w.coordinator, [])


# allauth ------------------------------------------------------------------------------------


@case("account_login")
def _login(w: World) -> Case:
    from allauth.account.forms import LoginForm

    data = params(login=w.member.email, password=PASSWORD)
    return Case(Request("account_login", {}, data), None, form_families("post", LoginForm(), data))


@case("account_reset_password")
def _reset_password(w: World) -> Case:
    from allauth.account.forms import ResetPasswordForm

    data = params(email=w.member.email)
    return Case(
        Request("account_reset_password", {}, data),
        None,
        form_families("post", ResetPasswordForm(), data),
        effect="mail",
    )


@case("account_reset_password_from_key")
def _reset_password_from_key(w: World) -> Case:
    from allauth.account.forms import ResetPasswordKeyForm, default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.urls import reverse

    member = w.member
    uidb36 = user_pk_to_url_str(member)
    key_url = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": uidb36, "key": default_token_generator.make_token(member)},
    )

    def open_the_link(client: Client) -> None:
        # allauth keeps the key in the session and sends the browser on to .../set-password/.
        assert client.get(key_url).status_code == 302

    data = params(password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    kwargs = {"uidb36": uidb36, "key": "set-password"}
    return Case(
        Request("account_reset_password_from_key", kwargs, data),
        None,
        form_families("post", ResetPasswordKeyForm(), data),
        prepare=open_the_link,
    )


@case("account_change_password")
def _change_password(w: World) -> Case:
    from allauth.account.forms import ChangePasswordForm

    data = params(oldpassword=PASSWORD, password1=NEW_PASSWORD, password2=NEW_PASSWORD)
    return Case(
        Request("account_change_password", {}, data),
        w.member,
        form_families("post", ChangePasswordForm(user=w.member), data),
    )


@case("account_reauthenticate")
def _reauthenticate(w: World) -> Case:
    from allauth.account.forms import ReauthenticateForm

    data = params(password=PASSWORD)
    return Case(
        Request("account_reauthenticate", {}, data),
        w.member,
        form_families("post", ReauthenticateForm(user=w.member), data),
        effect="redirect",
    )


# --- The harness ----------------------------------------------------------------------------


class _RollBack(Exception):
    pass


@dataclasses.dataclass
class Harness:
    """A signed-in client on the form's page, and the database as it was then."""

    case: Case
    client: Client
    cookies: SimpleCookie
    baseline: dict

    @classmethod
    def open(cls, case: Case) -> Harness:
        client = client_for(case.user) if case.user is not None else Client()
        if case.prepare:
            case.prepare(client)
        page = client.get(case.request.path())
        # A form's page answers GET; an action without a page (mark read) answers only POST.
        assert page.status_code in (200, 405), f"GET {case.request.path()}: {page.status_code}"
        cache.clear()
        return cls(case, client, copy.deepcopy(client.cookies), db_fingerprint())

    def send(self, request: Request) -> Outcome:
        """POST `request` in a savepoint that is rolled back, as the same browser each time."""
        outcome: Outcome | None = None
        try:
            with transaction.atomic():
                self.client.cookies = copy.deepcopy(self.cookies)
                cache.clear()  # rate limits count in the cache
                mail.outbox = []
                try:
                    response = self.client.post(
                        request.path(), data=request.body(), content_type=request.content_type()
                    )
                except Exception as exc:  # an exception escaped the view: a 500
                    # The transaction may be broken: the database is not read again.
                    outcome = Outcome(None, [], len(mail.outbox), error=last_traceback_line(exc))
                else:
                    outcome = Outcome(
                        response.status_code,
                        changed_tables(self.baseline, db_fingerprint()),
                        len(mail.outbox),
                        html=response.content.decode(errors="replace"),
                        location=response.get("Location", ""),
                    )
                raise _RollBack
        except _RollBack:
            pass
        assert outcome is not None  # set in both branches before the rollback
        return outcome


# Strategy -------------------------------------------------------------------------------------


def _strategy_of(w: World) -> dict:
    """A goal of the coordinator's space, a measure the officer's authority leads (the officer
    responsible, the robustness project serving it), an open round with the officer's draft and
    another measure's submitted report."""
    from strategy import services as strategy
    from strategy.models import Measure, Submission

    from .factories import strategy_tree

    goal, measure, (_of_goal, indicator) = strategy_tree(
        space=w.space, authority=w.authority, responsible=w.officer.person
    )
    second = Measure.objects.create(
        goal=goal,
        code=f"{goal.code}.2",
        title="Zweite",
        lead_authority=w.authority,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
    )
    round_ = strategy.round_open(
        actor=w.itd,
        name="Robuste Runde",
        period_start=_today() - dt.timedelta(days=30),
        period_end=_today(),
        deadline=_today() + dt.timedelta(days=7),
        spaces=[w.space],
    )
    Submission.objects.filter(round=round_, measure=second).update(
        status=Submission.Status.SUBMITTED, rating="limited", light="amber", text="Stand"
    )
    return {
        "goal": goal,
        "measure": measure,
        "indicator": indicator,
        "round": round_,
        "draft": Submission.objects.get(round=round_, measure=measure),
        "submitted": Submission.objects.get(round=round_, measure=second),
    }


def _goal_data():
    return params(code="ME-9", title="Daten teilen", description="Offene Schnittstellen")


@case("strategy:goal_create")
def _goal_create(w: World) -> Case:
    from strategy.forms import GoalForm

    data = _goal_data()
    request = Request("strategy:goal_create", {"slug": w.space.slug}, data)
    return Case(request, w.coordinator, form_families("post", GoalForm(), data))


@case("strategy:goal_edit")
def _goal_edit(w: World) -> Case:
    from strategy.forms import GoalForm

    goal = _strategy_of(w)["goal"]
    data = _goal_data()
    request = Request("strategy:goal_edit", {"pk": goal.pk}, data)
    return Case(request, w.coordinator, form_families("post", GoalForm(), data))


def _measure_data(w: World, **more):
    return params(
        code="ME-9.1",
        title="Offene Verkehrsdaten",
        description="",
        lead_authority=str(w.authority.pk),
        responsible=str(w.officer.person.pk),
        starts_on=_today().isoformat(),
        ends_on=(_today() + dt.timedelta(days=365)).isoformat(),
        **more,
    )


@case("strategy:measure_create")
def _measure_create(w: World) -> Case:
    from strategy.forms import MeasureForm

    goal = _strategy_of(w)["goal"]
    data = _measure_data(w)
    form = MeasureForm(viewer=w.coordinator, space=w.space)
    request = Request("strategy:measure_create", {"pk": goal.pk}, data)
    return Case(request, w.coordinator, form_families("post", form, data))


@case("strategy:measure_edit")
def _measure_edit(w: World) -> Case:
    from strategy.forms import MeasureForm

    measure = _strategy_of(w)["measure"]
    data = _measure_data(w)
    form = MeasureForm(viewer=w.coordinator, space=w.space)
    request = Request("strategy:measure_edit", {"pk": measure.pk}, data)
    return Case(request, w.coordinator, form_families("post", form, data))


def _indicator_data(**more):
    return params(
        name="Anteil digital",
        unit="%",
        direction="up",
        baseline_value="12,5",
        baseline_on="2025-01-01",
        target_value="80",
        target_on="2028-12-31",
        path="31.12.2026: 40",
        source="Statistikamt Nord",
        **more,
    )


@case("strategy:indicator_create")
def _indicator_create(w: World) -> Case:
    from strategy.forms import IndicatorForm

    goal = _strategy_of(w)["goal"]
    data = _indicator_data(measure="")
    request = Request("strategy:indicator_create", {"pk": goal.pk}, data)
    return Case(request, w.coordinator, form_families("post", IndicatorForm(goal=goal), data))


@case("strategy:indicator_edit")
def _indicator_edit(w: World) -> Case:
    from strategy.forms import IndicatorForm

    world = _strategy_of(w)
    data = _indicator_data()
    form = IndicatorForm(goal=world["goal"], editing=True)
    request = Request("strategy:indicator_edit", {"pk": world["indicator"].pk}, data)
    return Case(request, w.coordinator, form_families("post", form, data))


@case("strategy:value_add")
def _value_add(w: World) -> Case:
    from strategy.forms import ValueForm

    indicator = _strategy_of(w)["indicator"]
    data = params(on=_today().isoformat(), value="41,5", source="Zählung", comment="")
    request = Request("strategy:value_add", {"pk": indicator.pk}, data)
    return Case(request, w.officer, form_families("post", ValueForm(), data))


@case("strategy:round_open")
def _round_open(w: World) -> Case:
    from strategy.forms import RoundForm

    data = params(
        name="Berichtsrunde 2027/1",
        period_start=_today().isoformat(),
        period_end=(_today() + dt.timedelta(days=180)).isoformat(),
        deadline=(_today() + dt.timedelta(days=200)).isoformat(),
        spaces=[str(w.space.pk)],
    )
    return Case(
        Request("strategy:round_open", {}, data), w.itd, form_families("post", RoundForm(), data)
    )


@case("strategy:round_freeze")
def _round_freeze(w: World) -> Case:
    from strategy.forms import FreezeForm

    round_ = _strategy_of(w)["round"]
    data = params(confirm="on")
    request = Request("strategy:round_freeze", {"pk": round_.pk}, data)
    return Case(request, w.itd, form_families("post", FreezeForm(), data))


@case("strategy:round_report")
def _round_report(w: World) -> Case:
    from strategy.forms import RoundReportForm

    round_ = _strategy_of(w)["round"]
    data = params(scope="programme", format="xlsx")
    form = RoundReportForm(options=[("programme", "alle")])
    request = Request("strategy:round_report", {"pk": round_.pk}, data)
    return Case(request, w.itd, form_families("post", form, data))


def _publication(w: World):
    from opendata.models import Publication

    return Publication.objects.create(
        kind="budget",
        slug="programmbudget",
        title="Programmbudget",
        description="Je Haushaltsjahr",
        category="haushaltsplaene",
    )


@case("opendata:publish")
def _opendata_publish(w: World) -> Case:
    from opendata.forms import PublishForm

    data = params(kind="projects", category="statistiken", title="Öffentliche Projekte")
    return Case(
        Request("opendata:publish", {}, data), w.itd, form_families("post", PublishForm(), data)
    )


@case("opendata:withdraw")
def _opendata_withdraw(w: World) -> Case:
    publication = _publication(w)
    return Case(Request("opendata:withdraw", {"pk": publication.pk}, {}), w.itd, [])


# Leichte Sprache and DGS (issue 22) ---------------------------------------------------------


@case("inclusion:text_edit")
def _inclusion_text(w: World) -> Case:
    from inclusion.forms import EasyTextForm

    data = params(title="Inhalt", body="Hier arbeiten Menschen zusammen.")
    request = Request("inclusion:text_edit", {"item": "inhalt"}, data)
    return Case(request, w.itd, form_families("post", EasyTextForm(), data))


@case("inclusion:sign_off")
def _inclusion_sign_off(w: World) -> Case:
    from inclusion.forms import SignOffForm

    data = params(readers="Prüfgruppe", checked_on=_today().strftime("%d.%m.%Y"))
    request = Request("inclusion:sign_off", {"item": "inhalt"}, data)
    return Case(request, w.itd, form_families("post", SignOffForm(), data))


@case("inclusion:video_upload")
def _inclusion_video(w: World) -> Case:
    from inclusion.forms import VideoForm

    from .videos import CAPTIONS, make_video

    video = make_video(w.tmp_path / "dgs.mp4", seconds=1).read_bytes()
    w.settings.INCLUSION_VIDEO_MAX_SIZE = len(video) + 1024
    data = params(transcript="Hallo.")
    files = {"video": [("dgs.mp4", video)], "captions": [("dgs.vtt", CAPTIONS)]}
    request = Request("inclusion:video_upload", {"item": "inhalt"}, data, files=files)
    families = form_families("post", VideoForm(), data) + _file_families("video")
    return Case(request, w.itd, families + _file_families("captions"))


@case("inclusion:request")
def _inclusion_request(w: World) -> Case:
    from inclusion.forms import RequestForm

    data = params(path="/projects/", kind="dgs")
    request = Request("inclusion:request", {}, data)
    return Case(request, None, form_families("post", RequestForm(), data))


# Single sign-on (issue 19): ITD's table of claims and roles --------------------------------


@case("identity:claims")
def _claim_rule_add(w: World) -> Case:
    from identity.forms import ClaimRuleForm

    data = params(claim="fhh-raum-mobilitaet", grants="member", space=str(w.space.pk))
    return Case(
        Request("identity:claims", {}, data), w.itd, form_families("post", ClaimRuleForm(), data)
    )


@case("identity:claim_delete")
def _claim_rule_delete(w: World) -> Case:
    from identity.models import ClaimRule

    rule = ClaimRule.objects.create(claim="fhh-robust", grants="itd")
    return Case(Request("identity:claim_delete", {"pk": rule.pk}, {}), w.itd, [])


def _csv_families() -> list[Family]:
    """Files the import must refuse: none, empty, not UTF-8, foreign columns, not CSV."""

    def family(kind: str, *values: tuple[str, bytes] | None) -> Family:
        return Family("file", "file", kind, tuple(values))

    return [
        family("left out", None),
        family("empty file", ("runde.csv", b"")),
        family("not UTF-8", ("runde.csv", "Maßnahme;Wert\n".encode("latin-1"))),
        family("foreign columns", ("runde.csv", b"Name,Betrag\nA,1\n")),
        family("not a CSV", ("runde.csv", b"\x89PNG\r\n\x1a\n\x00\x00")),
    ]


@case("strategy:round_import")
def _round_import(w: World) -> Case:
    from contacts.models import User as Account
    from strategy import exchange

    world = _strategy_of(w)
    officer = Account.objects.get(pk=w.officer.pk)
    lines = exchange.round_csv(world["round"], officer).splitlines()
    code = world["measure"].code
    header = lines[0]
    row = next(line.split(";") for line in lines[1:] if line.split(";")[0] == code)
    row[4], row[5], row[6] = "limited", "amber", "Pilot läuft"
    content = f"{header}\r\n{';'.join(row)}\r\n".encode()  # the header has its BOM
    data = params(submit="")
    request = Request(
        "strategy:round_import",
        {"pk": world["round"].pk},
        data,
        files={"file": [("runde.csv", content)]},
    )
    return Case(request, w.officer, _csv_families())


@case("strategy:submission")
def _submission_save(w: World) -> Case:
    from strategy.forms import ReportForm

    world = _strategy_of(w)
    indicator = world["indicator"]
    data = params(
        rating="limited",
        light="amber",
        text="Pilot in zwei Bezirken",
        **{
            f"value_{indicator.pk}": "41,5",
            f"on_{indicator.pk}": _today().isoformat(),
            f"comment_{indicator.pk}": "",
        },
    )
    form = ReportForm(indicators=[indicator])
    request = Request("strategy:submission", {"pk": world["draft"].pk}, data)
    return Case(request, w.officer, form_families("post", form, data))


@case("strategy:submission_note")
def _submission_note(w: World) -> Case:
    from strategy.forms import NoteForm

    draft = _strategy_of(w)["draft"]
    data = params(note="Mit dem Raum abgestimmt.")
    request = Request("strategy:submission_note", {"pk": draft.pk}, data)
    return Case(request, w.coordinator, form_families("post", NoteForm(), data))


@case("strategy:submission_review")
def _submission_review(w: World) -> Case:
    from strategy.forms import ReviewForm

    submitted = _strategy_of(w)["submitted"]
    data = params(decision="accept", itd_rating="substantial", comment="")
    request = Request("strategy:submission_review", {"pk": submitted.pk}, data)
    return Case(request, w.itd, form_families("post", ReviewForm(), data))


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    return World(request)


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_the_valid_request_is_accepted(case_id, world):
    """The starting point of the mutations goes through: otherwise they would test nothing."""
    case = CASES[case_id][1](world)
    harness = Harness.open(case)
    outcome = harness.send(case.request.copy())
    shown = bool(case.shown_once) and outcome.status == 200 and case.shown_once in outcome.html
    assert outcome.status in (302, 303) or shown, (
        f"{case_id}: the valid request was not accepted ({outcome.status} {outcome.error})"
    )
    if case.effect == "db":
        assert outcome.changed, f"{case_id}: the valid request wrote nothing"
    elif case.effect == "mail":
        # Every e-mail goes through the outbox: written now, sent after commit.
        sent = outcome.mails or "notifications_notification" in outcome.changed
        assert sent, f"{case_id}: the valid request sent no e-mail"
    # The judge of the mutations would call this answer a failure.
    judged = outcome.problems()
    assert any(p.startswith("accepted") or p.startswith("database changed") for p in judged)
    assert harness.send(case.request.copy()).status == outcome.status  # rolled back: again


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_invalid_input_is_refused_cleanly(case_id, world):
    case = CASES[case_id][1](world)
    request = case.request
    if not (request.kwargs or request.post or request.query):
        # A confirmation without any input (e.g. "send every failed mail again"): nothing to
        # mutate; test_the_valid_request_is_accepted and the permission matrix cover it.
        pytest.skip("no input to mutate")
    assert case.families, f"{case_id}: no mutations derived"
    harness = Harness.open(case)
    results: dict[Mutation, list[str]] = {}

    @ROBUSTNESS_SETTINGS
    @given(mutations(case.families))
    def check(mutation: Mutation) -> None:
        if mutation not in results:
            results[mutation] = harness.send(mutation.apply(case.request)).problems()

    check()
    assert db_fingerprint() == harness.baseline, "the examples were not rolled back"
    failures = {m: p for m, p in results.items() if p}
    report = "\n".join(
        f"  - {m.describe()} -> {'; '.join(p)}"
        for m, p in sorted(failures.items(), key=lambda i: i[0].describe())
    )
    assert not failures, (
        f"{case_id} {case.request.path()}: {len(failures)} of {len(results)} invalid requests "
        f"were not refused cleanly:\n{report}"
    )


# --- Completeness ---------------------------------------------------------------------------

# Pages whose views have no method restriction but never read a POST body: a POST shows the page.
PAGES_IGNORING_POST = frozenset(
    {
        "home",
        "dashboard",
        "core:healthz",
        "core:privacy",
        "core:legal_notice",
        "core:accessibility",
        "core:terms",
        "contacts:my_data",
        "access:account_security",
        "spaces:list",
        "spaces:detail",
        "spaces:authority_list",
        "spaces:authority_detail",
        "spaces:people",
        "spaces:matrix",
        "access:invitation_list",
        "access:invitation_space_list",
        "access:invitation_project_list",
        "projects:list",
        "projects:export",
        "projects:budget_export",
        "projects:detail",
        "documents:space",
        "documents:project",
        "documents:detail",
        "documents:download",
        "admin:index",
        "admin:login",  # redirects to allauth's sign-in
        "admin:password_change",  # redirects to allauth's password change
    }
)


def test_every_post_url_has_a_row(itd, space, authority, member, coordinator):
    covered = {url_name for url_name, _builder in CASES.values()}
    unknown = covered - set(url_patterns())
    assert not unknown, f"rows for URLs that do not exist: {sorted(unknown)}"

    membership = Membership.objects.get(person__user=member, space=space)
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    kwargs = {
        "invitation": {"pk": invitation.pk},
        "invitation_token": {"token": token},
        "space": {"slug": space.slug},
        "membership": {"slug": space.slug, "pk": membership.pk},
        "person": {"pk": membership.person_id},
        "help_area": {"area": "projects"},
        "authority": {"code": authority.code},
        **_project_kwargs(space, authority),
        **_notification_kwargs(member),
        **_report_kwargs(space, coordinator),
        **_meeting_kwargs(space, member),
        **_discussion_kwargs(space, member),
        **_document_kwargs(space, member),
        **_strategy_kwargs(space, authority),
        **_token_kwargs(member),
        **_opendata_kwargs(),
        **_identity_kwargs(),
        **_inclusion_kwargs(),
    }
    from django.urls import reverse

    client = client_for(itd)
    missing = []
    # The API's addresses take JSON, not forms: the schema's contract test sends them junk
    # (tests/test_api_contract.py) and the permission matrix names their answers. So does SCIM
    # (its own token; tests/test_provisioning.py sends it bad input, scim2-tester the RFC's).
    api = {n for n in _project_url_names() if n.startswith(("api:", "provisioning:"))}
    # The identity provider's protocol addresses (the start of a sign-in, its callback, the
    # back-channel logout) take no form: tests/test_identity*.py send them what is wrong.
    api |= {"identity:provider_login", "identity:provider_callback", "identity:backchannel_logout"}
    for name in sorted(_project_url_names() - covered - PAGES_IGNORING_POST - api):
        builder = MATRIX[name].builder
        url = reverse(name, kwargs=kwargs[builder] if builder else None)
        if client.post(url).status_code != 405:
            missing.append(name)
    assert not missing, f"URLs that accept POST without a row in CASES: {missing}"
