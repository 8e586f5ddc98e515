"""Every service that checks a permission refuses whom its rule refuses (the service's own check,
not the view's: a view that forgets its check still meets this one).

The services are found by reading the source (`ast`): every public function of an app's
services.py that raises PermissionDenied, itself or through a helper of its module. Each needs
a case below: the rule it checks (read from the app's rule table or the permissions function
built on it) and how to call it. For every role of the access matrix the rule refuses, the call
must raise PermissionDenied; the first role the rule allows must get past the check (so a case
whose call fails for another reason, or refuses everyone, proves nothing and fails here).
A service found by the scan without a case fails `test_every_checking_service_has_a_case`,
like Zulip's "Some URLs are untested!".
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from access import permissions as access_rules
from access import services as access
from contacts import permissions as contacts_rules
from contacts import services as contacts
from contacts.models import Authority, DigitalOfficer, User
from contacts.permissions import forget_cached_facts
from core.audiences import SYSTEM_ACTOR
from discussions import permissions as discussions_rules
from discussions import services as discussions
from documents import permissions as documents_rules
from documents import services as documents
from identity import permissions as identity_rules
from identity import services as identity
from identity.models import ClaimRule
from inclusion import permissions as inclusion_rules
from inclusion import services as inclusion
from inclusion.models import EasyText
from meetings import permissions as meetings_rules
from meetings import services as meetings
from notifications import permissions as notifications_rules
from notifications import services as notifications
from notifications.kinds import Kind
from notifications.models import MailStatus, Notification
from opendata import permissions as opendata_rules
from opendata import services as opendata
from opendata.models import Publication
from projects import permissions as projects_rules
from projects import services as projects
from projects.models import FiscalYear, Milestone, ProjectGuest, ProjectLink
from reports import permissions as reports_rules
from reports import services as reports
from reports.models import Report, ReportSchedule
from spaces import permissions as spaces_rules
from spaces import services as spaces
from spaces.models import Membership
from strategy import permissions as strategy_rules
from strategy import services as strategy
from strategy.models import Measure, Round, Submission
from tokens import permissions as tokens_rules
from tokens import services as tokens

from . import document_files
from .conftest import ROLES
from .factories import (
    ExternalPersonFactory,
    ProjectFactory,
    budget_line,
    make_invitation,
    make_meeting,
    strategy_tree,
)

# Public functions that raise PermissionDenied only through a checked service they call as the
# system or for the subject themselves: nobody can be refused by them.
NEVER_REFUSE = {
    # The daily job ends expired project guests as the system (PROJECT_GUEST "end").
    "projects.services.project_guests_close_expired",
    # The daily job runs each schedule for its creator; a refusal is logged, not raised.
    "reports.services.schedules_run_due",
    # The privacy orchestrator ends the subject's officer roles as the system (OFFICER "end").
    "contacts.services.profile_anonymise",
    # The token names the account: it sets its own preferences (USER "set_preferences").
    "notifications.services.unsubscribe",
}


def _raises_permission_denied(node: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Raise) and n.exc is not None and "PermissionDenied" in ast.unparse(n.exc)
        for n in ast.walk(node)
    )


def checking_services() -> set[str]:
    """`app.services.name` of every public service function that raises PermissionDenied,
    itself or through a function of the same module it calls."""
    found: set[str] = set()
    for path in sorted(Path(settings.BASE_DIR).glob("*/services.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        raises = {name: _raises_permission_denied(f) for name, f in functions.items()}
        calls = {
            name: {
                n.func.id
                for n in ast.walk(f)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Name)
                and n.func.id in functions
            }
            for name, f in functions.items()
        }
        changed = True
        while changed:  # through helpers calling helpers
            changed = False
            for name in functions:
                if not raises[name] and any(raises[c] for c in calls[name]):
                    raises[name] = changed = True
        found |= {
            f"{path.parent.name}.services.{name}"
            for name in functions
            if raises[name] and not name.startswith("_")
        }
    return found


class World(NamedTuple):
    """The objects the cases act on: all in `space` (the coordinator's, where the officer and
    the member work), the project led by the officer's authority."""

    roles: dict[str, Any]
    space: Any
    project: Any
    fiscal_year: Any
    line: Any
    milestone: Any
    link: Any
    project_guest: Any
    invitation: Any
    token: str
    membership: Any
    officer_role: Any
    other_authority: Any
    thread: Any
    post: Any
    document: Any
    meeting: Any
    notice: Any
    failed_notice: Any
    report: Any
    schedule: Any
    goal: Any
    measure: Any
    indicator: Any
    strategy_round: Any
    draft: Any
    submitted: Any
    api_token: Any
    publication: Any


class Case(NamedTuple):
    allowed: Callable[[World, Any], bool]  # the rule, read from the app's rule table
    call: Callable[[World, Any], Any]  # the service called as the user


def _upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("protokoll.pdf", document_files.pdf())


def _until(days: int = 30) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def _starts() -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=3)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def _person(user: User | None) -> Any:
    return ExternalPersonFactory.create() if user is None else user.person


CASES: dict[str, Case] = {
    # --- access ---
    "access.services.invitation_create": Case(
        lambda w, u: "guest" in access_rules.invitable_roles(u, w.space),
        lambda w, u: access.invitation_create(
            actor=u, email="neu@partner.example.org", role="guest", until=_until(), space=w.space
        ),
    ),
    "access.services.invitation_resend": Case(
        lambda w, u: access_rules.INVITATION.can(u, "manage", w.invitation),
        lambda w, u: access.invitation_resend(actor=u, invitation=w.invitation),
    ),
    "access.services.invitation_revoke": Case(
        lambda w, u: access_rules.INVITATION.can(u, "manage", w.invitation),
        lambda w, u: access.invitation_revoke(actor=u, invitation=w.invitation),
    ),
    "access.services.invitation_extend": Case(
        lambda w, u: access_rules.INVITATION.can(u, "manage", w.invitation),
        lambda w, u: access.invitation_extend(actor=u, invitation=w.invitation, until=_until(60)),
    ),
    "access.services.invitation_end_access": Case(
        lambda w, u: access_rules.INVITATION.can(u, "manage", w.invitation),
        lambda w, u: access.invitation_end_access(actor=u, invitation=w.invitation),
    ),
    # Only the invited address may accept (a new account, when nobody is signed in).
    "access.services.invitation_accept": Case(
        lambda w, u: not u.is_authenticated or u.email == w.invitation.email,
        lambda w, u: access.invitation_accept(
            token=w.token, user=u if u.is_authenticated else None, password="x"
        ),
    ),
    # --- contacts ---
    "contacts.services.user_save": Case(
        lambda w, u: contacts_rules.can(u, "assign_roles"),
        lambda w, u: contacts.user_save(actor=u, user=w.roles["member"]),
    ),
    "contacts.services.person_save": Case(
        lambda w, u: contacts_rules.can(u, "assign_roles"),
        lambda w, u: contacts.person_save(actor=u, person=w.roles["member"].person),
    ),
    "contacts.services.person_update_profile": Case(
        lambda w, u: contacts_rules.PERSON.can(u, "edit_profile", w.roles["member"].person),
        lambda w, u: contacts.person_update_profile(
            actor=u, person=w.roles["member"].person, phone="040 42828-0"
        ),
    ),
    "contacts.services.authority_save": Case(
        lambda w, u: contacts_rules.can(u, "manage_reference_data"),
        lambda w, u: contacts.authority_save(actor=u, authority=w.other_authority),
    ),
    "contacts.services.officer_save": Case(
        lambda w, u: contacts_rules.can(u, "assign_roles"),
        lambda w, u: contacts.officer_save(actor=u, officer=w.officer_role),
    ),
    "contacts.services.officer_end": Case(
        lambda w, u: contacts_rules.OFFICER.can(u, "end", w.officer_role),
        lambda w, u: contacts.officer_end(actor=u, officer=w.officer_role),
    ),
    "contacts.services.user_anonymise": Case(
        lambda w, u: contacts_rules.USER.can(u, "anonymise", w.roles["member"]),
        lambda w, u: contacts.user_anonymise(actor=u, user=w.roles["member"], reason="request"),
    ),
    # --- discussions ---
    "discussions.services.thread_start": Case(
        lambda w, u: discussions_rules.may_discuss(u, w.space),
        lambda w, u: discussions.thread_start(actor=u, where=w.space, title="Neu", body="Text"),
    ),
    "discussions.services.post_reply": Case(
        lambda w, u: discussions_rules.THREAD.can(u, "view", w.thread),
        lambda w, u: discussions.post_reply(actor=u, thread=w.thread, body="Antwort"),
    ),
    "discussions.services.post_edit": Case(
        lambda w, u: discussions_rules.POST.can(u, "edit", w.post),
        lambda w, u: discussions.post_edit(actor=u, post=w.post, body="Korrigiert"),
    ),
    "discussions.services.thread_follow": Case(
        lambda w, u: discussions_rules.THREAD.can(u, "follow", w.thread),
        lambda w, u: discussions.thread_follow(actor=u, thread=w.thread, follow=True),
    ),
    "discussions.services.thread_hide": Case(
        lambda w, u: discussions_rules.THREAD.can(u, "moderate", w.thread),
        lambda w, u: discussions.thread_hide(actor=u, thread=w.thread, reason="Doppelt"),
    ),
    "discussions.services.thread_unhide": Case(
        lambda w, u: discussions_rules.THREAD.can(u, "moderate", w.thread),
        lambda w, u: discussions.thread_unhide(actor=u, thread=w.thread),
    ),
    "discussions.services.thread_lock": Case(
        lambda w, u: discussions_rules.THREAD.can(u, "moderate", w.thread),
        lambda w, u: discussions.thread_lock(actor=u, thread=w.thread, lock=True),
    ),
    "discussions.services.post_hide": Case(
        lambda w, u: discussions_rules.POST.can(u, "moderate", w.post),
        lambda w, u: discussions.post_hide(actor=u, post=w.post, reason="Doppelt"),
    ),
    "discussions.services.post_unhide": Case(
        lambda w, u: discussions_rules.POST.can(u, "moderate", w.post),
        lambda w, u: discussions.post_unhide(actor=u, post=w.post),
    ),
    # --- documents ---
    "documents.services.document_create": Case(
        lambda w, u: documents_rules.may_add(u, w.space),
        lambda w, u: documents.document_create(
            actor=u, container=w.space, title="Neu", upload=_upload()
        ),
    ),
    "documents.services.document_version_add": Case(
        lambda w, u: documents_rules.DOCUMENT.can(u, "add", w.document),
        lambda w, u: documents.document_version_add(actor=u, document=w.document, upload=_upload()),
    ),
    "documents.services.document_delete": Case(
        lambda w, u: documents_rules.DOCUMENT.can(u, "delete", w.document),
        lambda w, u: documents.document_delete(actor=u, document=w.document),
    ),
    # --- meetings ---
    "meetings.services.meeting_create": Case(
        lambda w, u: meetings_rules.may_schedule(u, w.space),
        lambda w, u: meetings.meeting_create(
            actor=u,
            space=w.space,
            title="Jour fixe",
            starts_at=_starts(),
            ends_at=_starts() + dt.timedelta(hours=1),
        ),
    ),
    "meetings.services.meeting_update": Case(
        lambda w, u: meetings_rules.MEETING.can(u, "manage", w.meeting),
        lambda w, u: meetings.meeting_update(
            actor=u,
            meeting=w.meeting,
            title="Verlegt",
            starts_at=w.meeting.starts_at,
            ends_at=w.meeting.ends_at,
        ),
    ),
    "meetings.services.meeting_cancel": Case(
        lambda w, u: meetings_rules.MEETING.can(u, "manage", w.meeting),
        lambda w, u: meetings.meeting_cancel(actor=u, meeting=w.meeting),
    ),
    "meetings.services.meeting_minutes_set": Case(
        lambda w, u: meetings_rules.MEETING.can(u, "manage", w.meeting),
        lambda w, u: meetings.meeting_minutes_set(actor=u, meeting=w.meeting, minutes="Notiz"),
    ),
    "meetings.services.meeting_file_remove": Case(
        lambda w, u: meetings_rules.MEETING_FILE.can(u, "manage", _meeting_file(w)),
        lambda w, u: meetings.meeting_file_remove(actor=u, file=_meeting_file(w)),
    ),
    "meetings.services.invitee_answer": Case(
        lambda w, u: meetings_rules.MEETING.can(u, "view", w.meeting),
        lambda w, u: meetings.invitee_answer(actor=u, meeting=w.meeting, answer="yes"),
    ),
    # --- notifications ---
    "notifications.services.preferences_set": Case(
        lambda w, u: contacts_rules.USER.can(u, "set_preferences", w.roles["member"]),
        lambda w, u: notifications.preferences_set(actor=u, user=w.roles["member"], channels={}),
    ),
    "notifications.services.retry": Case(
        lambda w, u: notifications_rules.can(u, "retry_failed"),
        lambda w, u: notifications.retry(actor=u, notification=w.failed_notice),
    ),
    "notifications.services.retry_all_failed": Case(
        lambda w, u: notifications_rules.can(u, "retry_failed"),
        lambda w, u: notifications.retry_all_failed(actor=u),
    ),
    "notifications.services.mark_read": Case(
        lambda w, u: notifications_rules.NOTIFICATION.can(u, "mark_read", w.notice),
        lambda w, u: notifications.mark_read(actor=u, notification=w.notice),
    ),
    # --- projects ---
    "projects.services.project_create": Case(
        lambda w, u: projects_rules.can(u, "create_project"),
        lambda w, u: projects.project_create(
            actor=u,
            title="Neues Vorhaben",
            summary="Kurz",
            primary_space=w.space,
            lead_authority=w.project.lead_authority,
            status="planned",
            health="green",
            visibility="internal",
        ),
    ),
    "projects.services.project_update": Case(
        lambda w, u: projects_rules.can(u, "edit", w.project),
        lambda w, u: projects.project_update(
            actor=u, project=w.project, version=w.project.version, summary="Geändert"
        ),
    ),
    "projects.services.project_delete": Case(
        lambda w, u: projects_rules.can(u, "delete", w.project),
        lambda w, u: projects.project_delete(actor=u, project=w.project, version=None),
    ),
    "projects.services.milestone_save": Case(
        lambda w, u: projects_rules.can(u, "edit", w.milestone),
        lambda w, u: projects.milestone_save(
            actor=u, project=w.project, milestone=None, title="Start", due=_until(), done=None
        ),
    ),
    "projects.services.milestone_delete": Case(
        lambda w, u: projects_rules.can(u, "edit", w.milestone),
        lambda w, u: projects.milestone_delete(actor=u, milestone=w.milestone),
    ),
    "projects.services.link_save": Case(
        lambda w, u: projects_rules.can(u, "edit", w.link),
        lambda w, u: projects.link_save(
            actor=u, project=w.project, link=None, title="Wiki", url="https://example.org/"
        ),
    ),
    "projects.services.link_delete": Case(
        lambda w, u: projects_rules.can(u, "edit", w.link),
        lambda w, u: projects.link_delete(actor=u, link=w.link),
    ),
    "projects.services.project_milestones_save": Case(
        lambda w, u: projects_rules.can(u, "edit", w.project),
        lambda w, u: projects.project_milestones_save(
            actor=u, project=w.project, milestones=[], links=[]
        ),
    ),
    "projects.services.project_guest_add": Case(
        lambda w, u: projects_rules.can(u, "edit", w.project),
        lambda w, u: projects.project_guest_add(
            actor=u, project=w.project, person=ExternalPersonFactory.create(), until=_until()
        ),
    ),
    "projects.services.project_guest_end": Case(
        lambda w, u: projects_rules.can(u, "end", w.project_guest),
        lambda w, u: projects.project_guest_end(actor=u, guest=w.project_guest),
    ),
    "projects.services.project_guest_set_until": Case(
        lambda w, u: projects_rules.can(u, "edit", w.project_guest),
        lambda w, u: projects.project_guest_set_until(
            actor=u, guest=w.project_guest, until=_until(40)
        ),
    ),
    "projects.services.budget_lines_save": Case(
        lambda w, u: projects_rules.can(u, "edit_budget", w.project),
        lambda w, u: projects.budget_lines_save(
            actor=u, project=w.project, fiscal_year=w.fiscal_year, rows=[]
        ),
    ),
    "projects.services.budget_line_delete": Case(
        lambda w, u: projects_rules.can(u, "edit", w.line),
        lambda w, u: projects.budget_line_delete(actor=u, line=w.line, version=0),
    ),
    "projects.services.cost_rate_set": Case(
        lambda w, u: projects_rules.can(u, "manage_cost_rates"),
        lambda w, u: projects.cost_rate_set(
            actor=u,
            fiscal_year=w.fiscal_year,
            pay_grade="E 13",
            annual_full_cost=Decimal("90000.00"),
        ),
    ),
    "projects.services.programme_budget_set": Case(
        lambda w, u: projects_rules.can(u, "manage_cost_rates"),
        lambda w, u: projects.programme_budget_set(actor=u, amount=Decimal("1000000.00")),
    ),
    # --- reports ---
    "reports.services.report_request": Case(
        lambda w, u: reports_rules.may_use_scope(u, "space", space=w.space),
        lambda w, u: reports.report_request(
            actor=u,
            kind="budget",
            format="xlsx",
            scope="space",
            space=w.space,
            fiscal_year=w.fiscal_year,
        ),
    ),
    "reports.services.report_delete": Case(
        lambda w, u: reports_rules.REPORT.can(u, "delete", w.report),
        lambda w, u: reports.report_delete(actor=u, report=w.report),
    ),
    "reports.services.schedule_save": Case(
        lambda w, u: reports_rules.SCHEDULE.can(u, "edit", w.schedule),
        lambda w, u: reports.schedule_save(actor=u, schedule=w.schedule, recipients=[]),
    ),
    "reports.services.schedule_delete": Case(
        lambda w, u: reports_rules.SCHEDULE.can(u, "edit", w.schedule),
        lambda w, u: reports.schedule_delete(actor=u, schedule=w.schedule),
    ),
    # --- strategy ---
    "strategy.services.goal_create": Case(
        lambda w, u: strategy_rules.may_write_space(u, w.space),
        lambda w, u: strategy.goal_create(actor=u, space=w.space, code="NEU", title="Neu"),
    ),
    "strategy.services.goal_update": Case(
        lambda w, u: strategy_rules.GOAL.can(u, "edit", w.goal),
        lambda w, u: strategy.goal_update(actor=u, goal=w.goal, title="Anders"),
    ),
    "strategy.services.measure_create": Case(
        lambda w, u: strategy_rules.GOAL.can(u, "edit", w.goal),
        lambda w, u: strategy.measure_create(
            actor=u,
            goal=w.goal,
            code="NEU",
            title="Neu",
            lead_authority=w.measure.lead_authority,
            starts_on=timezone.localdate(),
            ends_on=_until(),
        ),
    ),
    "strategy.services.measure_update": Case(
        lambda w, u: strategy_rules.MEASURE.can(u, "edit", w.measure),
        lambda w, u: strategy.measure_update(actor=u, measure=w.measure, title="Anders"),
    ),
    "strategy.services.indicator_create": Case(
        lambda w, u: strategy_rules.GOAL.can(u, "edit", w.goal),
        lambda w, u: strategy.indicator_create(
            actor=u,
            goal=w.goal,
            name="Quote",
            unit="%",
            baseline_value=Decimal(1),
            baseline_on=timezone.localdate(),
            target_value=Decimal(2),
            target_on=_until(),
        ),
    ),
    "strategy.services.indicator_update": Case(
        lambda w, u: strategy_rules.INDICATOR.can(u, "edit", w.indicator),
        lambda w, u: strategy.indicator_update(actor=u, indicator=w.indicator, name="Anders"),
    ),
    "strategy.services.indicator_value_add": Case(
        lambda w, u: strategy_rules.INDICATOR.can(u, "enter_value", w.indicator),
        lambda w, u: strategy.indicator_value_add(
            actor=u, indicator=w.indicator, on=timezone.localdate(), value=Decimal(3)
        ),
    ),
    "strategy.services.round_open": Case(
        lambda w, u: strategy_rules.GLOBAL.can(u, "open_round"),
        lambda w, u: strategy.round_open(
            actor=u,
            name="Neue Runde",
            period_start=timezone.localdate(),
            period_end=_until(),
            deadline=_until(),
            spaces=[w.space],
        ),
    ),
    "strategy.services.round_freeze": Case(
        lambda w, u: strategy_rules.ROUND.can(u, "manage", w.strategy_round),
        lambda w, u: strategy.round_freeze(actor=u, round_=w.strategy_round),
    ),
    # The coordinator's own space: the archive's scope rule lets them, ROUND lets them.
    "strategy.services.round_report_request": Case(
        lambda w, u: (
            strategy_rules.ROUND.can(u, "request_report", w.strategy_round)
            and reports_rules.may_use_scope(u, "space", space=w.space)
        ),
        lambda w, u: strategy.round_report_request(
            actor=u, round_=w.strategy_round, format="pdf", scope="space", space=w.space
        ),
    ),
    "strategy.services.submission_save": Case(
        lambda w, u: strategy_rules.SUBMISSION.can(u, "write", w.draft),
        lambda w, u: strategy.submission_save(
            actor=u, submission=w.draft, rating="", light="", text="Entwurf"
        ),
    ),
    "strategy.services.submission_note": Case(
        lambda w, u: strategy_rules.SUBMISSION.can(u, "note", w.draft),
        lambda w, u: strategy.submission_note(actor=u, submission=w.draft, note="Gut"),
    ),
    "strategy.services.submission_return": Case(
        lambda w, u: strategy_rules.SUBMISSION.can(u, "review", w.submitted),
        lambda w, u: strategy.submission_return(actor=u, submission=w.submitted, comment="x"),
    ),
    "strategy.services.submission_accept": Case(
        lambda w, u: strategy_rules.SUBMISSION.can(u, "review", w.submitted),
        lambda w, u: strategy.submission_accept(actor=u, submission=w.submitted),
    ),
    # --- spaces ---
    "spaces.services.membership_create": Case(
        lambda w, u: spaces_rules.MEMBERSHIP.can(
            u, "add", Membership(space=w.space, role=Membership.Role.GUEST)
        ),
        lambda w, u: spaces.membership_create(
            actor=u,
            space=w.space,
            person=ExternalPersonFactory.create(),
            role=Membership.Role.GUEST,
            until=_until(),
        ),
    ),
    "inclusion.services.easy_text_save": Case(
        lambda w, u: inclusion_rules.GLOBAL.can(u, "manage"),
        lambda w, u: inclusion.easy_text_save(
            actor=u, item="inhalt", title="Inhalt", body="Hallo."
        ),
    ),
    "inclusion.services.easy_text_sign_off": Case(
        lambda w, u: inclusion_rules.GLOBAL.can(u, "manage"),
        lambda w, u: inclusion.easy_text_sign_off(
            actor=u,
            text=EasyText.objects.get_or_create(
                item="inhalt", defaults={"title": "I", "body": "B"}
            )[0],
            readers="Prüfgruppe",
            checked_on=timezone.localdate(),
        ),
    ),
    "inclusion.services.video_upload": Case(
        lambda w, u: inclusion_rules.GLOBAL.can(u, "manage"),
        # Past the check, the missing files are refused (ValidationError).
        lambda w, u: inclusion.video_upload(
            actor=u, item="inhalt", video=None, captions=None, transcript=""
        ),
    ),
    "opendata.services.publication_publish": Case(
        lambda w, u: opendata_rules.GLOBAL.can(u, "manage"),
        lambda w, u: opendata.publication_publish(actor=u, kind="projects", category="statistiken"),
    ),
    "opendata.services.publication_withdraw": Case(
        lambda w, u: opendata_rules.PUBLICATION.can(u, "manage", w.publication),
        lambda w, u: opendata.publication_withdraw(actor=u, publication=w.publication),
    ),
    "spaces.services.membership_change_role": Case(
        lambda w, u: spaces_rules.MEMBERSHIP.can(u, "change", w.membership),
        lambda w, u: spaces.membership_change_role(
            actor=u, membership=w.membership, role=Membership.Role.MEMBER
        ),
    ),
    "spaces.services.membership_end": Case(
        lambda w, u: spaces_rules.MEMBERSHIP.can(u, "change", w.membership),
        lambda w, u: spaces.membership_end(actor=u, membership=w.membership),
    ),
    # --- tokens ---
    # For oneself only, while one's access runs (the ended guest and visitors are refused).
    "tokens.services.token_create": Case(
        lambda w, u: tokens_rules.GLOBAL.can(u, "create"),
        lambda w, u: tokens.token_create(
            actor=u,
            name="Skript",
            can_write=False,
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        ),
    ),
    # The member's token: the member and ITD revoke it, nobody else sees it.
    "tokens.services.token_revoke": Case(
        lambda w, u: tokens_rules.API_TOKEN.can(u, "revoke", w.api_token),
        lambda w, u: tokens.token_revoke(actor=u, token=w.api_token),
    ),
    # The claims table of the identity provider: ITD's alone.
    "identity.services.claim_rule_create": Case(
        lambda w, u: identity_rules.GLOBAL.can(u, "manage_claims"),
        lambda w, u: identity.claim_rule_create(actor=u, claim="fhh-neu", grants="itd"),
    ),
    "identity.services.claim_rule_delete": Case(
        lambda w, u: identity_rules.CLAIM_RULE.can(u, "delete", _claim_rule()),
        lambda w, u: identity.claim_rule_delete(actor=u, rule=_claim_rule()),
    ),
}


def _meeting_file(w: World) -> Any:
    """A file of the minutes of the world's meeting (a fresh one: an allowed call removes it)."""
    from meetings.models import MeetingFile

    return MeetingFile.objects.create(
        meeting=w.meeting,
        part=MeetingFile.Part.MINUTES,
        file=f"meetings/refusals/{MeetingFile.objects.count()}-{timezone.now():%H%M%S%f}.pdf",
        original_name="anlage.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
    )


def _claim_rule() -> ClaimRule:
    rule, _created = ClaimRule.objects.get_or_create(claim="fhh-itd", grants="itd")
    return rule


def test_every_checking_service_has_a_case():
    found = checking_services()
    untested = found - set(CASES) - NEVER_REFUSE
    assert not untested, f"Some services that check a permission are untested: {sorted(untested)}"
    assert not (set(CASES) | NEVER_REFUSE) - found, "a case names no checking service"


def _fresh(role: str, roles: dict[str, Any]) -> Any:
    """The role's account as a view would get it: read again, no facts cached."""
    user = roles[role]
    if user is None:
        return AnonymousUser()
    user = User.objects.get(pk=user.pk)
    forget_cached_facts(user)
    return user


@pytest.fixture
def world(all_roles, space, authority, itd, coordinator, member, officer) -> World:
    project = ProjectFactory.create(slug="abgelehnt", primary_space=space, lead_authority=authority)
    fiscal_year = FiscalYear.objects.get(year=2026)
    guest_person = ExternalPersonFactory.create()
    project_guest = ProjectGuest.objects.create(
        project=project, person=guest_person, since=timezone.localdate(), until=_until()
    )
    invitation, token = make_invitation(space=space, invited_by=coordinator)
    thread = discussions.thread_start(actor=member, where=space, title="Frage", body="Wer weiß?")
    document = documents.document_create(
        actor=member, container=space, title="Protokoll", upload=_upload()
    )
    notice = notifications.notify(
        kind=Kind.ACCOUNT, recipient=member, compose=lambda: ("Hallo", [])
    )
    failed_notice = notifications.notify(
        kind=Kind.ACCOUNT, recipient=member, compose=lambda: ("Noch einmal", [])
    )
    assert notice is not None and failed_notice is not None
    Notification.objects.filter(pk=failed_notice.pk).update(mail_status=MailStatus.FAILED)
    failed_notice.refresh_from_db()
    return World(
        roles=all_roles,
        space=space,
        project=project,
        fiscal_year=fiscal_year,
        line=budget_line(project),
        milestone=Milestone.objects.create(project=project, title="Start", due=_until()),
        link=ProjectLink.objects.create(project=project, title="Wiki", url="https://e.org/"),
        project_guest=project_guest,
        invitation=invitation,
        token=token,
        membership=Membership.objects.get(person__user=member, space=space),
        officer_role=DigitalOfficer.objects.get(person__user=officer),
        other_authority=Authority.objects.get(code="FB"),
        thread=thread,
        post=thread.posts.get(),
        document=document,
        meeting=make_meeting(space=space, invitees=[member]),
        notice=notice,
        failed_notice=failed_notice,
        report=Report.objects.create(
            kind="budget",
            format="xlsx",
            scope="space",
            space=space,
            fiscal_year=fiscal_year,
            requested_by=coordinator,
        ),
        schedule=ReportSchedule.objects.create(
            title="Quartal", kind="budget", format="xlsx", scope="programme", cadence="monthly"
        ),
        **_strategy(space, authority, officer),
        api_token=tokens.token_create(
            actor=member,
            name="Mitglied",
            can_write=True,
            expires_on=timezone.localdate() + dt.timedelta(days=30),
        )[0],
        publication=Publication.objects.create(
            kind="budget",
            slug="programmbudget",
            title="Programmbudget",
            description="Je Haushaltsjahr",
            category="haushaltsplaene",
        ),
    )


def _strategy(space: Any, authority: Any, officer: Any) -> dict[str, Any]:
    """A goal of the space, a measure the officer's authority leads, an open round with one
    report in draft and one submitted."""
    goal, measure, (_of_goal, indicator) = strategy_tree(
        space=space, authority=authority, responsible=officer.person
    )
    second = Measure.objects.create(
        goal=goal,
        code="G.2",
        title="Zweite",
        lead_authority=authority,
        starts_on=measure.starts_on,
        ends_on=measure.ends_on,
    )
    today = timezone.localdate()
    round_ = Round.objects.create(
        name="Runde", period_start=today, period_end=today, deadline=_until()
    )
    round_.spaces.add(space)
    draft = Submission.objects.create(round=round_, measure=measure)
    submitted = Submission.objects.create(
        round=round_, measure=second, status=Submission.Status.SUBMITTED
    )
    return {
        "goal": goal,
        "measure": measure,
        "indicator": indicator,
        "strategy_round": round_,
        "draft": draft,
        "submitted": submitted,
    }


@pytest.mark.parametrize("service", sorted(CASES))
def test_the_service_refuses_whom_its_rule_refuses(service, world):
    case = CASES[service]
    refused, allowed = [], []
    for role in ROLES:
        (allowed if case.allowed(world, _fresh(role, world.roles)) else refused).append(role)
    assert refused, f"{service}: the rule refuses no role, the case proves nothing"
    assert allowed, f"{service}: the rule allows no role, the case cannot show the check"
    let_through = []
    for role in refused:
        try:
            case.call(world, _fresh(role, world.roles))
        except PermissionDenied:
            continue
        except Exception as error:  # noqa: BLE001 - reported with the role below
            let_through.append(f"{role} ({type(error).__name__}: {error})")
        else:
            let_through.append(role)
    assert not let_through, f"{service} did not refuse: {let_through}"
    # The rule's first allowed role gets past the check (the call itself may still fail on
    # its input, e.g. an empty budget: only a refusal would be wrong here).
    try:
        case.call(world, _fresh(allowed[0], world.roles))
    except PermissionDenied:
        pytest.fail(f"{service} refused {allowed[0]}, whom its rule allows")
    except Exception:  # noqa: BLE001, S110 - any other answer is past the check
        pass


def test_the_system_actor_is_allowed_only_what_the_jobs_need(world):
    """SYSTEM_ACTOR (the jobs) passes exactly the checks named for it in the tables."""
    # Accepting an invitation has no actor (the token says who): not a rule of the tables.
    tables = {s: c for s, c in CASES.items() if s != "access.services.invitation_accept"}
    system_may = sorted(s for s, case in tables.items() if case.allowed(world, SYSTEM_ACTOR))
    assert system_may == [
        "contacts.services.officer_end",
        # The identity provider's claims give and end ITD rights, officer roles and a person's
        # authority (identity.services.claims_apply, by ITD's table).
        "contacts.services.officer_save",
        "contacts.services.person_save",
        "contacts.services.user_anonymise",
        "contacts.services.user_save",
        "projects.services.project_guest_end",
        "spaces.services.membership_create",
    ]
