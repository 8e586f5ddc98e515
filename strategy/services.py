"""Every write of the strategy: goals, measures, indicators and their values; reporting rounds
from opening to the freeze. Each checks permission itself (strategy.permissions), validates
the whole input before it writes anything, runs in one transaction and keeps the audit trail;
notices go through the outbox in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Authority, Person
from core.audiences import Actor, Viewer
from core.dates import today
from core.models import AuditEntry
from core.services import audit_record, diff, snapshot
from notifications.kinds import Kind
from notifications.services import notify_each
from projects.models import Project
from reports import services as reports
from reports.models import Kind as ReportKind
from reports.models import Report
from spaces.models import Space

from . import snapshots
from .models import (
    Goal,
    Indicator,
    IndicatorValue,
    Measure,
    PathPoint,
    Round,
    Submission,
    SubmittedValue,
)
from .permissions import GLOBAL, GOAL, INDICATOR, MEASURE, ROUND, SUBMISSION, may_write_space

TEXT_MAX = Submission._meta.get_field("text").max_length or 10000
COMMENT_MAX = SubmittedValue._meta.get_field("comment").max_length or 1000
FROZEN = gettext_lazy(
    "Diese Berichtsrunde ist eingefroren: Ihr Stand kann nicht mehr geändert werden."
)


def _require(allowed: bool, reason: str = "") -> None:
    if not allowed:
        raise PermissionDenied(reason) if reason else PermissionDenied


def _touch(instance: Any, fields: Iterable[str]) -> None:
    instance.updated_at = timezone.now()
    instance.save(update_fields=[*fields, "updated_at"])


# --- Goals and measures ------------------------------------------------------------------------

GOAL_FIELDS = ("code", "title", "description")


def goal_create(
    *, actor: Actor, space: Space, code: str, title: str, description: str = ""
) -> Goal:
    _require(may_write_space(actor, space))
    goal = Goal(space=space, code=code.strip(), title=title.strip(), description=description)
    return _save_new(actor, goal, code_taken=_("Dieses Kürzel hat schon ein Ziel des Raums."))


def goal_update(*, actor: Actor, goal: Goal, **values: Any) -> Goal:
    _require(GOAL.can(actor, "edit", goal))
    return _save_changes(
        actor, goal, GOAL_FIELDS, values, _("Dieses Kürzel hat schon ein Ziel des Raums.")
    )


MEASURE_FIELDS = (
    "code",
    "title",
    "description",
    "lead_authority",
    "responsible",
    "starts_on",
    "ends_on",
)


def _check_measure(measure: Measure) -> None:
    errors: dict[str, Any] = {}
    if measure.starts_on and measure.ends_on and measure.ends_on < measure.starts_on:
        errors["ends_on"] = _("Das Ende darf nicht vor dem Beginn liegen.")
    responsible = measure.responsible
    if responsible is not None and measure.lead_authority_id is not None:
        officers = responsible.officer_roles.active().filter(authority_id=measure.lead_authority_id)
        if not officers.exists():
            errors["responsible"] = _(
                "Verantwortlich ist eine oder ein Digitalisierungsverantwortliche/r der "
                "federführenden Behörde."
            )
    if errors:
        raise ValidationError(errors)


def measure_create(
    *,
    actor: Actor,
    goal: Goal,
    code: str,
    title: str,
    lead_authority: Authority,
    starts_on: dt.date,
    ends_on: dt.date,
    description: str = "",
    responsible: Person | None = None,
    projects: Iterable[Project] = (),
) -> Measure:
    _require(GOAL.can(actor, "edit", goal))
    measure = Measure(
        goal=goal,
        code=code.strip(),
        title=title.strip(),
        description=description,
        lead_authority=lead_authority,
        responsible=responsible,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _check_measure(measure)
    with transaction.atomic():
        measure = _save_new(
            actor, measure, code_taken=_("Dieses Kürzel hat schon eine Maßnahme des Ziels.")
        )
        _set_projects(actor, measure, projects)
    return measure


def measure_update(
    *, actor: Actor, measure: Measure, projects: Iterable[Project] | None = None, **values: Any
) -> Measure:
    _require(MEASURE.can(actor, "edit", measure))
    for name, value in values.items():
        setattr(measure, name, value)
    _check_measure(measure)
    with transaction.atomic():
        measure = _save_changes(
            actor,
            measure,
            MEASURE_FIELDS,
            values,
            _("Dieses Kürzel hat schon eine Maßnahme des Ziels."),
        )
        if projects is not None:
            _set_projects(actor, measure, projects)
    return measure


def _set_projects(actor: Actor, measure: Measure, projects: Iterable[Project]) -> None:
    """A measure links the projects that serve it, among those the actor may see."""
    wanted = {p.pk for p in projects}
    visible = set(
        Project.objects.visible_to(actor).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if wanted - visible:
        raise ValidationError({"projects": _("Ein gewähltes Projekt gibt es nicht.")})
    before = set(measure.projects.values_list("pk", flat=True))
    if before == wanted:
        return
    measure.projects.set(wanted)
    audit_record(
        actor=actor,
        instance=measure,
        action=AuditEntry.Action.UPDATE,
        changes={"projects": {"old": sorted(before), "new": sorted(wanted)}},
    )


def _save_new(actor: Actor, instance: Any, *, code_taken: str) -> Any:
    instance.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationError({"code": code_taken}) from error
    audit_record(
        actor=actor,
        instance=instance,
        action=AuditEntry.Action.CREATE,
        changes={"new": snapshot(instance, _fields(instance))},
    )
    return instance


def _fields(instance: Any) -> list[str]:
    return [
        f.attname
        for f in instance._meta.concrete_fields
        if f.editable and not f.primary_key and f.attname not in ("created_at", "updated_at")
    ]


def _save_changes(
    actor: Actor, instance: Any, fields: Iterable[str], values: Mapping[str, Any], code_taken: str
) -> Any:
    names = [f for f in fields if f in values]
    attnames = [instance._meta.get_field(n).attname for n in names]
    old = snapshot(type(instance).objects.get(pk=instance.pk), attnames)
    for name in names:
        setattr(instance, name, values[name])
    instance.full_clean(validate_unique=False, validate_constraints=False)
    changes = diff(old, snapshot(instance, attnames))
    if not changes:
        return instance
    try:
        with transaction.atomic():
            _touch(instance, attnames)
    except IntegrityError as error:
        raise ValidationError({"code": code_taken}) from error
    audit_record(actor=actor, instance=instance, action=AuditEntry.Action.UPDATE, changes=changes)
    return instance


# --- Indicators and their values ---------------------------------------------------------------

INDICATOR_FIELDS = (
    "name",
    "unit",
    "direction",
    "baseline_value",
    "baseline_on",
    "target_value",
    "target_on",
    "source",
)


@dataclass(frozen=True)
class PathInput:
    on: dt.date
    value: Decimal


def _check_indicator(indicator: Indicator, path: Iterable[PathInput]) -> None:
    errors: dict[str, Any] = {}
    if indicator.baseline_value is None:
        errors["baseline_value"] = _(
            "Ohne Ausgangswert lässt sich kein Fortschritt messen: bitte angeben."
        )
    if indicator.baseline_on is None:
        errors["baseline_on"] = _("Bitte das Datum des Ausgangswerts angeben.")
    if (
        indicator.baseline_on
        and indicator.target_on
        and indicator.target_on <= indicator.baseline_on
    ):
        errors["target_on"] = _("Das Zieldatum muss nach dem Datum des Ausgangswerts liegen.")
    seen: set[dt.date] = set()
    for point in path:
        if (
            indicator.baseline_on
            and indicator.target_on
            and not (indicator.baseline_on < point.on < indicator.target_on)
        ):
            errors["path"] = _(
                "Zwischenziele liegen zwischen dem Datum des Ausgangswerts und dem Zieldatum."
            )
        if point.on in seen:
            errors["path"] = _("Zwei Zwischenziele haben dasselbe Datum.")
        seen.add(point.on)
    if indicator.measure is not None and indicator.measure.goal_id != indicator.goal_id:
        errors["measure"] = _("Die Maßnahme gehört zu einem anderen Ziel.")
    if errors:
        raise ValidationError(errors)


def indicator_create(
    *,
    actor: Actor,
    goal: Goal,
    measure: Measure | None = None,
    path: Iterable[PathInput] = (),
    **values: Any,
) -> Indicator:
    _require(GOAL.can(actor, "edit", goal))
    path = list(path)
    indicator = Indicator(goal=goal, measure=measure, **values)
    _check_indicator(indicator, path)
    indicator.full_clean(validate_constraints=False)
    with transaction.atomic():
        indicator.save()
        PathPoint.objects.bulk_create(
            PathPoint(indicator=indicator, on=p.on, value=p.value) for p in path
        )
        audit_record(
            actor=actor,
            instance=indicator,
            action=AuditEntry.Action.CREATE,
            changes={"new": {**snapshot(indicator, INDICATOR_FIELDS), "path": _path_repr(path)}},
        )
    return indicator


def _path_repr(path: Iterable[PathInput | PathPoint]) -> list[list[str]]:
    return [[p.on.isoformat(), str(p.value)] for p in sorted(path, key=lambda p: p.on)]


def indicator_update(
    *, actor: Actor, indicator: Indicator, path: Iterable[PathInput] | None = None, **values: Any
) -> Indicator:
    _require(INDICATOR.can(actor, "edit", indicator))
    old = snapshot(Indicator.objects.get(pk=indicator.pk), INDICATOR_FIELDS)
    old_path = _path_repr(indicator.path.all())
    for name, value in values.items():
        if name in INDICATOR_FIELDS:
            setattr(indicator, name, value)
    new_path = (
        list(path) if path is not None else [PathInput(p.on, p.value) for p in indicator.path.all()]
    )
    _check_indicator(indicator, new_path)
    indicator.full_clean(validate_constraints=False)
    changes = diff(old, snapshot(indicator, INDICATOR_FIELDS))
    if _path_repr(new_path) != old_path:
        changes["path"] = {"old": old_path, "new": _path_repr(new_path)}
    if not changes:
        return indicator
    with transaction.atomic():
        indicator.save(update_fields=[n for n in INDICATOR_FIELDS if n in values])
        if "path" in changes:
            indicator.path.all().delete()
            PathPoint.objects.bulk_create(
                PathPoint(indicator=indicator, on=p.on, value=p.value) for p in new_path
            )
        audit_record(
            actor=actor, instance=indicator, action=AuditEntry.Action.UPDATE, changes=changes
        )
    return indicator


def frozen_rounds(space_id: int) -> list[Round]:
    """The frozen rounds of a space, latest period first (one query for many values)."""
    return list(
        Round.objects.filter(status=Round.Status.FROZEN, spaces=space_id).order_by(
            "-period_end", "-pk"
        )
    )


def closed_period(
    indicator: Indicator, on: dt.date, frozen: list[Round] | None = None
) -> Round | None:
    """The frozen round of the indicator's space whose period holds `on`, if any: what it
    reported stands, so no value may be added into it afterwards."""
    rounds = frozen if frozen is not None else frozen_rounds(indicator.goal.space_id)
    return next((r for r in rounds if r.period_start <= on <= r.period_end), None)


def _check_value(
    indicator: Indicator, on: dt.date | None, *, frozen: list[Round] | None = None
) -> None:
    if on is None:
        raise ValidationError({"on": _("Bitte den Stichtag angeben.")})
    if on <= indicator.baseline_on:
        raise ValidationError(
            {
                "on": _("Der Stichtag muss nach dem Stand des Ausgangswerts (%(date)s) liegen.")
                % {"date": indicator.baseline_on.strftime("%d.%m.%Y")}
            }
        )
    if on > today():
        raise ValidationError({"on": _("Der Stichtag darf nicht in der Zukunft liegen.")})
    closed = closed_period(indicator, on, frozen)
    if closed is not None:
        raise ValidationError(
            {
                "on": _(
                    "Der Zeitraum bis %(date)s ist mit der Berichtsrunde „%(round)s“ "
                    "abgeschlossen: Werte darin können nicht mehr erfasst werden."
                )
                % {"date": closed.period_end.strftime("%d.%m.%Y"), "round": closed.name}
            }
        )


def indicator_value_add(
    *,
    actor: Viewer,
    indicator: Indicator,
    on: dt.date,
    value: Decimal,
    source: str = "",
    comment: str = "",
) -> IndicatorValue:
    _require(INDICATOR.can(actor, "enter_value", indicator))
    _check_value(indicator, on)
    entry = IndicatorValue(
        indicator=indicator,
        on=on,
        value=value,
        source=source,
        comment=comment,
        entered_by=actor if actor is not None and actor.is_authenticated else None,
    )
    entry.full_clean(
        exclude=["indicator", "entered_by"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            entry.save()
            audit_record(
                actor=actor,
                instance=entry,
                action=AuditEntry.Action.CREATE,
                changes={"new": snapshot(entry, ("on", "value", "source", "comment"))},
            )
    except IntegrityError as error:
        raise ValidationError({"on": _("Für diesen Stichtag gibt es schon einen Wert.")}) from error
    return entry


# --- Reporting rounds --------------------------------------------------------------------------


def _check_round(
    name: str, start: dt.date, end: dt.date, deadline: dt.date, spaces: list[Space]
) -> None:
    errors: dict[str, Any] = {}
    if end < start:
        errors["period_end"] = _("Der Berichtszeitraum endet vor seinem Beginn.")
    if deadline < start:
        errors["deadline"] = _("Die Abgabefrist liegt vor dem Berichtszeitraum.")
    if not spaces:
        errors["spaces"] = _("Bitte mindestens einen Raum wählen.")
    if Round.objects.filter(name=name).exists():
        errors["name"] = _("Eine Berichtsrunde mit diesem Namen gibt es schon.")
    if errors:
        raise ValidationError(errors)


def round_open(
    *,
    actor: Actor,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    deadline: dt.date,
    spaces: Iterable[Space],
) -> Round:
    """ITD opens a round: one report to write per measure of the spaces that runs in the
    period; the responsible officers are told."""
    _require(GLOBAL.can(actor, "open_round"))
    spaces = list(spaces)
    name = name.strip()
    _check_round(name, period_start, period_end, deadline, spaces)
    with transaction.atomic():
        round_ = Round.objects.create(
            name=name,
            period_start=period_start,
            period_end=period_end,
            deadline=deadline,
            opened_by=actor,
        )
        round_.spaces.set(spaces)
        measures = list(
            Measure.objects.filter(
                goal__space__in=spaces, starts_on__lte=period_end, ends_on__gte=period_start
            ).select_related("goal", "responsible__user", "lead_authority")
        )
        Submission.objects.bulk_create(Submission(round=round_, measure=m) for m in measures)
        audit_record(
            actor=actor,
            instance=round_,
            action=AuditEntry.Action.CREATE,
            changes={
                "new": {
                    **snapshot(round_, ("name", "period_start", "period_end", "deadline")),
                    "spaces": sorted(s.slug for s in spaces),
                    "measures": len(measures),
                }
            },
        )
        _notify_officers(round_, measures, kind=Kind.STRATEGY_ROUND_OPENED, exclude=actor)
    return round_


def reporters(measure: Measure) -> list[Any]:
    """Who writes a measure's report: its lead authority's active officers (the rule
    SUBMISSION "write" read as accounts), the responsible person first."""
    probe = Submission(measure=measure, round=Round(status=Round.Status.OPEN))
    accounts = list(SUBMISSION.holders("write", probe).select_related("person"))
    accounts.sort(key=lambda u: (getattr(measure.responsible, "user_id", None) != u.pk, u.pk))
    return accounts


def _notify_officers(
    round_: Round, measures: Iterable[Measure], *, kind: str, exclude: Any = None
) -> int:
    by_user: dict[int, tuple[Any, list[Measure]]] = {}
    for measure in measures:
        for user in reporters(measure):
            by_user.setdefault(user.pk, (user, []))[1].append(measure)
    count = 0
    for user, mine in by_user.values():

        def compose(user: Viewer, mine: list[Measure] = mine) -> tuple[str, list[str]]:
            deadline = round_.deadline.strftime("%d.%m.%Y")
            if kind == Kind.STRATEGY_DEADLINE:
                title = _("Erinnerung: Meldung zur Berichtsrunde „%(round)s“ bis %(date)s") % {
                    "round": round_.name,
                    "date": deadline,
                }
            else:
                title = _("Berichtsrunde „%(round)s“: bitte bis %(date)s melden") % {
                    "round": round_.name,
                    "date": deadline,
                }
            return title, [
                _("Ihre Meldung wird zu diesen Maßnahmen erwartet:"),
                *(f"- {m}" for m in mine),
            ]

        count += notify_each(
            [user],
            kind=kind,
            compose=compose,
            url=round_.get_absolute_url(),
            exclude=exclude,
            subject_ref=f"strategy.round:{round_.pk}",
            dedup_key=f"strategy.{kind}:{round_.pk}:{today().isoformat()}",
        )
    return count


def _check_open_round(round_: Round) -> None:
    if round_.is_frozen:
        raise PermissionDenied(FROZEN)


@dataclass(frozen=True)
class ValueInput:
    indicator: Indicator
    on: dt.date
    value: Decimal
    comment: str = ""


def _value_errors(submission: Submission, values: list[ValueInput]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    own = {i.pk for i in submission.measure.indicators.all()}
    frozen = frozen_rounds(submission.measure.goal.space_id)
    for item in values:
        if item.indicator.pk not in own:
            errors["values"] = _("Eine Kennzahl gehört nicht zu dieser Maßnahme.")
            continue
        if len(item.comment) > COMMENT_MAX:
            errors[f"comment_{item.indicator.pk}"] = _(
                "Der Kommentar ist zu lang (höchstens %(n)s Zeichen)."
            ) % {"n": COMMENT_MAX}
        try:
            _check_value(item.indicator, item.on, frozen=frozen)
        except ValidationError as error:
            errors[f"value_{item.indicator.pk}"] = error.message_dict["on"]
            continue
        round_ = submission.round
        if not round_.period_start <= item.on <= round_.period_end:
            errors[f"value_{item.indicator.pk}"] = _(
                "Der Stichtag liegt außerhalb des Berichtszeitraums (%(start)s bis %(end)s)."
            ) % {
                "start": round_.period_start.strftime("%d.%m.%Y"),
                "end": round_.period_end.strftime("%d.%m.%Y"),
            }
    return errors


def _check_report(
    submission: Submission,
    values: list[ValueInput],
    *,
    rating: str,
    light: str,
    text: str,
    submit: bool,
) -> None:
    """The whole report is checked before anything is stored; each problem at its field."""
    errors = _value_errors(submission, values)
    if len(text) > TEXT_MAX:
        errors["text"] = _("Der Bericht ist zu lang (höchstens %(n)s Zeichen).") % {"n": TEXT_MAX}
    if submit:
        if not rating:
            errors["rating"] = _("Zum Einreichen bitte den Umsetzungsstand wählen.")
        if not light:
            errors["light"] = _("Zum Einreichen bitte die Ampel wählen.")
        if not text.strip():
            errors["text"] = _("Zum Einreichen bitte den Stand in einigen Sätzen beschreiben.")
    if errors:
        raise ValidationError(errors)


def submission_save(
    *,
    actor: Actor,
    submission: Submission,
    rating: str,
    light: str,
    text: str,
    values: Iterable[ValueInput] = (),
    submit: bool = False,
) -> Submission:
    """The officer saves the report as a draft, or submits it (after the deadline: allowed,
    marked late). A submitted or accepted report is changed only after ITD returned it."""
    round_ = Round.objects.get(pk=submission.round_id)
    _check_open_round(round_)
    _require(SUBMISSION.can(actor, "write", submission))
    if submission.status in (Submission.Status.SUBMITTED, Submission.Status.ACCEPTED):
        raise ValidationError(
            _("Die Meldung ist eingereicht: Ändern geht erst, wenn ITD sie zurückgibt.")
        )
    values = list(values)
    _check_report(submission, values, rating=rating, light=light, text=text, submit=submit)
    old = snapshot(submission, ("status", "rating", "light", "text"))
    with transaction.atomic():
        submission.rating, submission.light, submission.text = rating, light, text
        fields = ["rating", "light", "text"]
        if submit:
            submission.status = Submission.Status.SUBMITTED
            submission.submitted_at = timezone.now()
            submission.submitted_by = actor
            submission.late = today() > round_.deadline
            fields += ["status", "submitted_at", "submitted_by", "late"]
        _touch(submission, fields)
        # The report's values are the ones given now (a draft saved again replaces them): two
        # statements, however many indicators (a CSV may bring 10,000).
        submission.reported_values.all().delete()
        SubmittedValue.objects.bulk_create(
            SubmittedValue(
                submission=submission,
                indicator=item.indicator,
                on=item.on,
                value=item.value,
                comment=item.comment,
            )
            for item in values
        )
        changes = diff(old, snapshot(submission, ("status", "rating", "light", "text")))
        changes["values"] = {
            "new": [[v.indicator.pk, v.on.isoformat(), str(v.value)] for v in values]
        }
        audit_record(
            actor=actor, instance=submission, action=AuditEntry.Action.UPDATE, changes=changes
        )
    return submission


def submission_note(*, actor: Actor, submission: Submission, note: str) -> Submission:
    """The space's coordinator adds their review note (ITD reads it beside the report)."""
    _check_open_round(Round.objects.get(pk=submission.round_id))
    _require(SUBMISSION.can(actor, "note", submission))
    old = submission.coordinator_note
    with transaction.atomic():
        submission.coordinator_note = note
        _touch(submission, ["coordinator_note"])
        audit_record(
            actor=actor,
            instance=submission,
            action=AuditEntry.Action.UPDATE,
            changes={"coordinator_note": {"old": old, "new": note}} if old != note else {},
        )
    return submission


def submission_return(*, actor: Actor, submission: Submission, comment: str) -> Submission:
    """ITD returns a submitted report with a comment; the officers correct and resubmit."""
    _check_open_round(Round.objects.get(pk=submission.round_id))
    _require(SUBMISSION.can(actor, "review", submission))
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(_("Zurückgeben lässt sich nur eine eingereichte Meldung."))
    if not comment.strip():
        raise ValidationError({"comment": _("Bitte sagen Sie, was zu ändern ist.")})
    with transaction.atomic():
        submission.status, submission.review_comment = Submission.Status.RETURNED, comment
        _touch(submission, ["status", "review_comment"])
        audit_record(
            actor=actor,
            instance=submission,
            action=AuditEntry.Action.UPDATE,
            changes={
                "status": {"old": "submitted", "new": "returned"},
                "review_comment": {"new": comment},
            },
        )

        def compose(user: Viewer) -> tuple[str, list[str]]:
            return (
                _("Meldung zurückgegeben: %(measure)s") % {"measure": submission.measure},
                [_("ITD bittet um Änderungen:"), comment],
            )

        notify_each(
            reporters(submission.measure),
            kind=Kind.STRATEGY_RETURNED,
            compose=compose,
            url=submission.get_absolute_url(),
            exclude=actor,
            subject_ref=f"strategy.submission:{submission.pk}",
        )
    return submission


def submission_accept(
    *, actor: Actor, submission: Submission, itd_rating: str = "", comment: str = ""
) -> Submission:
    """ITD accepts a submitted report, with its own rating on the same scale; the reported
    values join the indicators' histories."""
    round_ = Round.objects.get(pk=submission.round_id)
    _check_open_round(round_)
    _require(SUBMISSION.can(actor, "review", submission))
    if submission.status != Submission.Status.SUBMITTED:
        raise ValidationError(_("Annehmen lässt sich nur eine eingereichte Meldung."))
    with transaction.atomic():
        submission.status = Submission.Status.ACCEPTED
        submission.itd_rating, submission.review_comment = itd_rating, comment
        _touch(submission, ["status", "itd_rating", "review_comment"])
        for reported in submission.reported_values.select_related("indicator"):
            IndicatorValue.objects.update_or_create(
                indicator=reported.indicator,
                on=reported.on,
                defaults={
                    "value": reported.value,
                    "comment": reported.comment,
                    "source": _("Berichtsrunde %(round)s") % {"round": round_.name},
                    "entered_by": None,
                },
            )
        audit_record(
            actor=actor,
            instance=submission,
            action=AuditEntry.Action.UPDATE,
            changes={
                "status": {"old": "submitted", "new": "accepted"},
                "itd_rating": {"new": itd_rating},
            },
        )
    return submission


def round_freeze(*, actor: Actor, round_: Round) -> Round:
    """ITD freezes the round: the snapshot of tree, ratings, texts, values and budget figures
    as they stand now, hashed and chained to the previous frozen round. From here on the
    database refuses any change to the round, its reports and their values."""
    _require(ROUND.can(actor, "manage", round_))
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        _check_open_round(locked)
        previous = (
            Round.objects.filter(status=Round.Status.FROZEN)
            .order_by("-frozen_at", "-pk")
            .values_list("digest", flat=True)
            .first()
        )
        now = timezone.now()
        content = snapshots.build(locked, at=now)
        locked.snapshot = content
        locked.previous_digest = previous or ""
        locked.digest = snapshots.digest(content, locked.previous_digest)
        locked.status, locked.frozen_at = Round.Status.FROZEN, now
        locked.frozen_by = actor
        locked.save(
            update_fields=[
                "snapshot",
                "previous_digest",
                "digest",
                "status",
                "frozen_at",
                "frozen_by",
            ]
        )
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditEntry.Action.UPDATE,
            changes={"status": {"old": "open", "new": "frozen"}, "digest": {"new": locked.digest}},
        )
    return locked


def deadline_reminders(*, on: dt.date | None = None) -> int:
    """The daily job: officers with reports still to submit are reminded three days before the
    deadline and on it (once a day at most: the outbox's dedup key)."""
    on = on or today()
    count = 0
    for round_ in Round.objects.filter(
        status=Round.Status.OPEN, deadline__in=[on, on + dt.timedelta(days=3)]
    ):
        missing = Measure.objects.filter(
            submissions__round=round_,
            submissions__status__in=[Submission.Status.DRAFT, Submission.Status.RETURNED],
        ).select_related("responsible", "lead_authority")
        count += _notify_officers(round_, missing, kind=Kind.STRATEGY_DEADLINE)
    return count


def round_report_request(
    *, actor: Actor, round_: Round, format: str, scope: str, space: Space | None = None
) -> Report:
    """The round report, queued in the report archive (strategy.round_report writes it): of
    all the round's spaces or one. PermissionDenied unless the actor may request it (ROUND
    "request_report"), and, for the scope asked, the archive's rule (a coordinator: only their
    own space)."""
    _require(ROUND.can(actor, "request_report", round_))
    return reports.report_request(
        actor=actor,
        kind=ReportKind.ROUND,
        format=format,
        scope=scope,
        space=space,
        subject_id=round_.pk,
    )
