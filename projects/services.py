"""Writes for projects and budgets. Each checks permission, validates, audits, atomically."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Person
from core import events
from core.audiences import SYSTEM_ACTOR, Actor, SystemActor
from core.dates import format_datetime, guest_until_errors, today
from core.models import AuditEntry
from core.services import audit_record, diff, snapshot, timebox_close
from core.text import slugify_german

from . import permissions
from .models import (
    RESERVED_SLUGS,
    SLUG_MAX_LENGTH,
    BudgetLine,
    BudgetVersion,
    CostCategory,
    CostRate,
    FiscalYear,
    FundingSource,
    Milestone,
    ProgrammeBudget,
    Project,
    ProjectGuest,
    ProjectLink,
    personnel_amount,
)
from .selectors.money import Figures, project_year_figures

PROJECT_FIELDS = (
    "title",
    "slug",
    "summary",
    "description",
    "primary_space",
    "lead_authority",
    "status",
    "status_changed_on",
    "health",
    "health_reason",
    "start",
    "end",
    "visibility",
)
PROJECT_M2M = ("spaces", "participating_authorities", "partner_organisations", "contact_persons")
PROJECT_AUDITED = (*PROJECT_FIELDS, *PROJECT_M2M)

LINE_FIELDS = (
    "description",
    "einzelplan",
    "aufgabenbereich",
    "produktgruppe",
    "planned",
    "revised",
    "committed",
    "actual",
    "note",
    "fte",
    "pay_grade",
    "months",
)
LINE_AUDITED = ("fiscal_year", "category", "funding_source", *LINE_FIELDS)


def _stale_message(updated_at: dt.datetime) -> str:
    return _(
        "Inzwischen hat jemand anderes diesen Stand geändert (%(when)s). Ihre Änderungen wurden "
        "nicht gespeichert: Bitte laden Sie die Seite neu und tragen Sie sie erneut ein."
    ) % {"when": format_datetime(updated_at)}


def _lock_budget() -> None:
    """Take the budget's one lock before any budget line is locked.

    Every write to a budget line bumps the version row (triggers, migration 0006), so a
    transaction that writes lines holds that row's lock until it ends. One that first locked
    lines and then writes (a new cost rate recomputes the lines of many projects) could hold a
    line the other waits for while waiting for the version row the other holds: a deadlock.
    Taken first everywhere, the second transaction waits at the start instead.
    """
    BudgetVersion.objects.select_for_update().filter(pk=1).first()


def _audit_line(*, actor: Actor, line: BudgetLine, action: str, changes: dict[str, Any]) -> None:
    # The project is kept with every line entry, so a deleted line stays in the project's trail.
    audit_record(
        actor=actor,
        instance=line,
        action=action,
        changes={**changes, "project_ref": line.project_id} if changes else changes,
    )


# --- Projects ---------------------------------------------------------------------------------


def _apply_m2m(project: Project, m2m: dict[str, Iterable[Any]]) -> None:
    for name in PROJECT_M2M:
        if name in m2m:
            getattr(project, name).set(list(m2m[name]))


def _check_period_covers_lines(project: Project) -> None:
    if not project.pk or not project.start or not project.end:
        return
    outside = sorted(
        set(
            BudgetLine.objects.filter(project=project)
            .exclude(fiscal_year__year__range=(project.start.year, project.end.year))
            .values_list("fiscal_year__year", flat=True)
        )
    )
    if outside:
        years = ", ".join(str(y) for y in outside)
        raise ValidationError(
            {
                "end": _(
                    "Es gibt Budgetzeilen für %(years)s: Der Zeitraum muss diese Jahre umfassen."
                )
                % {"years": years}
            }
        )


def _check_contacts_may_see(project: Project) -> None:
    """Contact persons are people who may see the project (a guest of another space may not)."""
    unable = [
        person
        for person in project.contact_persons.select_related("user")
        if not Project.objects.visible_to(person.user).filter(pk=project.pk).exists()
    ]
    if unable:
        raise ValidationError(
            {
                "contact_persons": _(
                    "Ansprechpersonen müssen das Projekt sehen dürfen; %(names)s darf es nicht."
                )
                % {"names": ", ".join(str(p) for p in unable)}
            }
        )


def _split(values: dict[str, Any], m2m: dict[str, Iterable[Any]] | None) -> tuple[dict, dict]:
    """Field values and many-to-many values (given apart or among the values)."""
    fields = {k: v for k, v in values.items() if k in PROJECT_FIELDS}
    relations = dict(m2m or {}) | {k: v for k, v in values.items() if k in PROJECT_M2M}
    return fields, relations


def unique_slug(title: str) -> str:
    """A project's part of the address made from its title ("Mobilität digital" ->
    "mobilitaet-digital"), with a number when it is taken or reserved ("...-2")."""
    base = slugify_german(title, max_length=SLUG_MAX_LENGTH - 4) or "projekt"
    taken = set(Project.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def project_create(
    *, actor: Actor, m2m: dict[str, Iterable[Any]] | None = None, **values
) -> Project:
    """A new project; the creator must be able to edit it (own space or authority). Without a
    slug, one is made from the title."""
    fields, m2m = _split(values, m2m)
    if not permissions.can(actor, "create_project"):
        raise PermissionDenied
    project = Project(**{k: v for k, v in fields.items() if k in PROJECT_FIELDS})
    if not project.slug and project.title:
        project.slug = unique_slug(project.title)
    if "status_changed_on" not in fields:
        project.status_changed_on = today()
    project.full_clean()
    if not permissions.can(actor, "edit", project):
        raise ValidationError(
            {
                "primary_space": _(
                    "Sie können nur Projekte in Räumen anlegen, die Sie koordinieren, oder für "
                    "Behörden, deren Digitalisierungsverantwortliche Sie sind."
                )
            }
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                project.save()
        except IntegrityError as exc:
            raise ValidationError({"slug": _("Dieser Kurzname ist bereits vergeben.")}) from exc
        _apply_m2m(project, m2m or {})
        _check_contacts_may_see(project)
        audit_record(
            actor=actor,
            instance=project,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(project, PROJECT_AUDITED)),
        )
        events.emit(events.PROJECT_CREATED, project=project, actor=actor)
    return project


def project_update(
    *,
    actor: Actor,
    project: Project,
    version: int | None,
    m2m: dict[str, Iterable[Any]] | None = None,
    **values,
) -> Project:
    """Change a project; refused when someone else saved since `version` was read."""
    fields, m2m = _split(values, m2m)
    if not permissions.can(actor, "edit", project):
        raise PermissionDenied
    with transaction.atomic():
        current = Project.objects.select_for_update().get(pk=project.pk)
        if current.version != version:
            raise ValidationError(_stale_message(current.updated_at), code="stale")
        before = snapshot(current, PROJECT_AUDITED)
        old_status, old_health = current.status, current.health
        for name, value in fields.items():
            if name in PROJECT_FIELDS:
                setattr(current, name, value)
        if current.status != old_status and "status_changed_on" not in fields:
            current.status_changed_on = today()
        current.full_clean()
        _check_period_covers_lines(current)
        if not permissions.can(actor, "edit", current):
            raise ValidationError(
                {
                    "primary_space": _(
                        "Nach dieser Änderung könnten Sie das Projekt nicht mehr bearbeiten: "
                        "Wählen Sie einen Raum, den Sie koordinieren, oder Ihre Behörde."
                    )
                }
            )
        current.version += 1
        current.updated_at = timezone.now()
        try:
            with transaction.atomic():
                current.save(update_fields=[*PROJECT_FIELDS, "version", "updated_at"])
        except IntegrityError as exc:
            raise ValidationError({"slug": _("Dieser Kurzname ist bereits vergeben.")}) from exc
        _apply_m2m(current, m2m or {})
        _check_contacts_may_see(current)
        audit_record(
            actor=actor,
            instance=current,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(current, PROJECT_AUDITED)),
        )
        _emit_changes(current, actor=actor, old_status=old_status, old_health=old_health)
    return current


def _emit_changes(project: Project, *, actor: Actor, old_status: str, old_health: str) -> None:
    """Those who work on the project hear of a new status or a new health (with the reason)."""
    if project.status != old_status:
        events.emit(
            events.PROJECT_STATUS_CHANGED,
            project=project,
            actor=actor,
            old=old_status,
            new=project.status,
        )
    if project.health != old_health:
        events.emit(
            events.PROJECT_HEALTH_CHANGED,
            project=project,
            actor=actor,
            old=old_health,
            new=project.health,
            reason=project.health_reason,
        )


def project_delete(*, actor: Actor, project: Project, version: int | None) -> None:
    """Delete a project; its budget lines and the project itself stay in the audit trail.

    Refused when someone saved the project since `version` was read (the confirmation page)."""
    if not permissions.can(actor, "edit", project):
        raise PermissionDenied
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.version != version:
            raise ValidationError(_stale_message(project.updated_at), code="stale")
        _lock_budget()  # deleting the project deletes its lines
        for line in BudgetLine.objects.filter(project=project).select_related(
            "fiscal_year", "category", "funding_source"
        ):
            _audit_line(
                actor=actor,
                line=line,
                action=AuditEntry.Action.DELETE,
                changes=diff(snapshot(line, LINE_AUDITED), {}),
            )
        audit_record(
            actor=actor,
            instance=project,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(project, PROJECT_AUDITED), {}),
        )
        project.delete()


# --- Milestones and links ---------------------------------------------------------------------


def _require_edit(actor: Actor, project: Project) -> None:
    if not permissions.can(actor, "edit", project):
        raise PermissionDenied


def milestone_save(
    *,
    actor: Actor,
    project: Project,
    milestone: Milestone | None,
    title: str,
    due: dt.date,
    done: dt.date | None,
) -> Milestone:
    _require_edit(actor, project)
    milestone = milestone or Milestone(project=project)
    if milestone.project_id != project.pk:
        raise PermissionDenied
    action = AuditEntry.Action.UPDATE if milestone.pk else AuditEntry.Action.CREATE
    before = snapshot(milestone, ("title", "due", "done")) if milestone.pk else {}
    milestone.title, milestone.due, milestone.done = title, due, done
    milestone.full_clean()
    with transaction.atomic():
        milestone.save()
        audit_record(
            actor=actor,
            instance=milestone,
            action=action,
            changes=diff(before, snapshot(milestone, ("title", "due", "done"))),
        )
    return milestone


def milestone_delete(*, actor: Actor, milestone: Milestone) -> None:
    _require_edit(actor, milestone.project)
    with transaction.atomic():
        audit_record(
            actor=actor,
            instance=milestone,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(milestone, ("title", "due", "done")), {}),
        )
        milestone.delete()


def link_save(
    *, actor: Actor, project: Project, link: ProjectLink | None, title: str, url: str
) -> ProjectLink:
    _require_edit(actor, project)
    link = link or ProjectLink(project=project)
    if link.project_id != project.pk:
        raise PermissionDenied
    action = AuditEntry.Action.UPDATE if link.pk else AuditEntry.Action.CREATE
    before = snapshot(link, ("title", "url")) if link.pk else {}
    link.title, link.url = title, url
    link.full_clean()
    with transaction.atomic():
        link.save()
        audit_record(
            actor=actor,
            instance=link,
            action=action,
            changes=diff(before, snapshot(link, ("title", "url"))),
        )
    return link


def link_delete(*, actor: Actor, link: ProjectLink) -> None:
    _require_edit(actor, link.project)
    with transaction.atomic():
        audit_record(
            actor=actor,
            instance=link,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(link, ("title", "url")), {}),
        )
        link.delete()


@dataclass
class MilestoneInput:
    """One changed row of the milestones form: an existing milestone (by id) or a new one."""

    milestone_id: int | None
    title: str
    due: dt.date
    done: dt.date | None


@dataclass
class LinkInput:
    link_id: int | None
    title: str
    url: str


class RowsInvalid(ValidationError):
    """Some rows of a multi-row form were refused; nothing was written.

    `rows`: {formset prefix: {row index: ValidationError}}."""

    def __init__(self, rows: dict[str, dict[int, ValidationError]]) -> None:
        super().__init__(_("Bitte prüfen Sie die markierten Zeilen. Es wurde nichts gespeichert."))
        self.rows = rows


def _unknown_row(what: str) -> ValidationError:
    return ValidationError(
        _("%(what)s gehört nicht (mehr) zu diesem Projekt: bitte laden Sie die Seite neu.")
        % {"what": what},
        code="stale",
    )


def project_milestones_save(
    *,
    actor: Actor,
    project: Project,
    milestones: Sequence[tuple[int, MilestoneInput]],
    links: Sequence[tuple[int, LinkInput]],
) -> None:
    """Save the changed milestone and link rows (row index, input) in one go: all or none."""
    _require_edit(actor, project)
    errors: dict[str, dict[int, ValidationError]] = {"milestones": {}, "links": {}}
    with transaction.atomic():
        own_milestones = {m.pk: m for m in project.milestones.select_for_update()}
        own_links = {k.pk: k for k in project.links.select_for_update()}
        for index, row in milestones:
            if row.milestone_id and row.milestone_id not in own_milestones:
                errors["milestones"][index] = _unknown_row(_("Dieser Meilenstein"))
                continue
            try:
                milestone_save(
                    actor=actor,
                    project=project,
                    milestone=own_milestones.get(row.milestone_id or 0),
                    title=row.title,
                    due=row.due,
                    done=row.done,
                )
            except ValidationError as error:
                errors["milestones"][index] = error
        for index, link_row in links:
            if link_row.link_id and link_row.link_id not in own_links:
                errors["links"][index] = _unknown_row(_("Dieser Link"))
                continue
            try:
                link_save(
                    actor=actor,
                    project=project,
                    link=own_links.get(link_row.link_id or 0),
                    title=link_row.title,
                    url=link_row.url,
                )
            except ValidationError as error:
                errors["links"][index] = error
        if errors["milestones"] or errors["links"]:
            transaction.set_rollback(True)
            raise RowsInvalid(errors)


# --- Guests -----------------------------------------------------------------------------------


def project_guest_add(
    *,
    actor: Actor | None,
    project: Project,
    person: Person,
    until: dt.date,
) -> ProjectGuest:
    """Invite an external person to one project until a date (always limited). An accepted
    invitation calls it as the one who issued it, who must still be allowed to."""
    if not permissions.can(actor, "edit", project):
        raise PermissionDenied
    errors = guest_until_errors(until)
    if errors:
        raise ValidationError({"until": errors})
    guest = ProjectGuest(
        project=project,
        person=person,
        since=today(),
        until=until,
        invited_by=actor if actor is not None and actor.is_authenticated else None,
    )
    with transaction.atomic():
        # An expired invitation is closed before a new one may open.
        for old in ProjectGuest.objects.past_until().filter(project=project, person=person):
            project_guest_end(actor=SYSTEM_ACTOR, guest=old)
        guest.full_clean()
        try:
            with transaction.atomic():
                guest.save()
        except IntegrityError as exc:
            raise ValidationError(_("Diese Person ist bereits Gast dieses Projekts.")) from exc
        audit_record(
            actor=actor,
            instance=guest,
            action=AuditEntry.Action.CREATE,
            changes=diff({}, snapshot(guest, ("project", "person", "until"))),
        )
    return guest


def project_guest_end(*, actor: Actor | SystemActor, guest: ProjectGuest) -> ProjectGuest:
    if not permissions.can(actor, "end", guest):
        raise PermissionDenied
    closed, _was_open = timebox_close(actor=actor, obj=guest, audited_fields=("until", "ended_at"))
    return closed


def project_guest_set_until(*, actor: Actor, guest: ProjectGuest, until: dt.date) -> ProjectGuest:
    """Move the end of a project guest's access (at most GUEST_ACCESS_MAX_DAYS from today)."""
    if not permissions.can(actor, "edit", guest.project):
        raise PermissionDenied
    errors = guest_until_errors(until)
    if errors:
        raise ValidationError({"until": errors})
    with transaction.atomic():
        guest = ProjectGuest.objects.select_for_update().get(pk=guest.pk)
        if guest.ended_at is not None:
            raise ValidationError(_("Dieser Zugang ist bereits beendet."))
        before = snapshot(guest, ("until", "ended_at"))
        guest.until = until
        guest.full_clean()
        guest.save(update_fields=["until"])
        audit_record(
            actor=actor,
            instance=guest,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(guest, ("until", "ended_at"))),
        )
    return guest


# --- Budget lines -----------------------------------------------------------------------------


@dataclass
class LineInput:
    """One row of the budget form: an existing line (with the version read) or a new one."""

    category: CostCategory
    funding_source: FundingSource
    line_id: int | None = None
    version: int | None = None
    description: str = ""
    einzelplan: str = ""
    aufgabenbereich: str = ""
    produktgruppe: str = ""
    planned: Decimal | None = None
    revised: Decimal | None = None
    committed: Decimal = Decimal("0")
    actual: Decimal = Decimal("0")
    note: str = ""
    fte: Decimal | None = None
    pay_grade: str = ""
    months: int | None = None


def check_fiscal_year(project: Project, fiscal_year: FiscalYear) -> None:
    if not (project.start.year <= fiscal_year.year <= project.end.year):
        raise ValidationError(
            {
                "fiscal_year": _(
                    "Das Haushaltsjahr %(year)s liegt außerhalb der Projektlaufzeit "
                    "(%(start)s–%(end)s)."
                )
                % {"year": fiscal_year.year, "start": project.start.year, "end": project.end.year}
            }
        )


def _rate_for(fiscal_year: FiscalYear, pay_grade: str) -> CostRate:
    rate = CostRate.objects.filter(fiscal_year=fiscal_year, pay_grade=pay_grade).first()
    if rate is None:
        raise ValidationError(
            {
                "pay_grade": _(
                    "Für %(year)s gibt es keinen Kostensatz für %(grade)s. ITD pflegt die "
                    "Kostensätze."
                )
                % {"year": fiscal_year.year, "grade": pay_grade}
            }
        )
    return rate


def _apply_line_input(line: BudgetLine, row: LineInput) -> None:
    line.category = row.category
    line.funding_source = row.funding_source
    for name in (
        "description",
        "einzelplan",
        "aufgabenbereich",
        "produktgruppe",
        "note",
        "pay_grade",
    ):
        setattr(line, name, (getattr(row, name) or "").strip())
    line.committed = row.committed or Decimal("0")
    line.actual = row.actual or Decimal("0")
    line.fte, line.months = row.fte, row.months
    if row.fte is not None or row.pay_grade or row.months is not None:
        if not row.category.is_personnel:
            raise ValidationError(
                {"fte": _("VZÄ, Entgeltgruppe und Monate gibt es nur bei Personalkosten.")}
            )
        missing = {}
        if row.fte is None:
            missing["fte"] = _("Bitte VZÄ angeben, z. B. 0,5.")
        if not row.pay_grade:
            missing["pay_grade"] = _("Bitte die Entgeltgruppe angeben, z. B. E 13.")
        if row.months is None:
            missing["months"] = _("Bitte die Zahl der Monate angeben (1 bis 12).")
        if missing:
            raise ValidationError(missing)
        assert row.fte is not None and row.months is not None  # checked just above
        rate = _rate_for(line.fiscal_year, line.pay_grade)
        old_planned = line.planned if line.pk else None
        line.cost_rate = rate
        line.planned = personnel_amount(
            fte=row.fte, months=row.months, annual_full_cost=rate.annual_full_cost
        )
        if row.revised is None or (old_planned is not None and row.revised == old_planned):
            line.revised = line.planned
        else:
            line.revised = row.revised
    else:
        line.cost_rate = None
        if row.planned is None:
            raise ValidationError({"planned": _("Bitte einen Planbetrag angeben.")})
        line.planned = row.planned
        line.revised = row.revised if row.revised is not None else row.planned


def budget_lines_save(
    *, actor: Actor, project: Project, fiscal_year: FiscalYear, rows: Sequence[LineInput]
) -> list[BudgetLine]:
    """Save the lines of one year in one go: all rows are written, or none (RowsInvalid)."""
    if not permissions.can(actor, "edit_budget", project):
        raise PermissionDenied
    check_fiscal_year(project, fiscal_year)
    if not rows:
        raise ValidationError(
            _(
                "Es war keine Zeile ausgefüllt, es wurde nichts gespeichert. Bitte tragen Sie "
                "mindestens eine Budgetzeile ein."
            ),
            code="empty",
        )
    with transaction.atomic():
        # Lock the project row: two budget saves for the same project run one after the other.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        _lock_budget()
        was_over = _over_plan(project, fiscal_year) is not None
        saved = _save_rows(actor=actor, project=project, fiscal_year=fiscal_year, rows=rows)
        figures = _over_plan(project, fiscal_year)
        if figures is not None and not was_over:
            events.emit(
                events.BUDGET_OVER_PLAN,
                project=project,
                fiscal_year=fiscal_year.year,
                figures=figures,
                actor=actor,
            )
    return saved


def _over_plan(project: Project, fiscal_year: FiscalYear) -> Figures | None:
    """The year's figures if the project is over its revised plan in that year."""
    figures = project_year_figures(project).get(fiscal_year.pk)
    return figures if figures is not None and figures.over_budget else None


def _line_key(row: LineInput) -> tuple[int, int]:
    return (row.category.pk, row.funding_source.pk)


def _unnamed_among_several(rows: Sequence[LineInput]) -> dict[int, ValidationError]:
    """The rows that share category and source with another row but have no description: each
    line of such a key needs one, so that the page, the exports and the trail tell them apart."""
    counts: dict[tuple[int, int], int] = {}
    for row in rows:
        counts[_line_key(row)] = counts.get(_line_key(row), 0) + 1
    return {
        index: ValidationError(
            {
                "description": _(
                    "Mehrere Zeilen haben diese Kostenart und Quelle: Bitte geben Sie jeder eine "
                    "Bezeichnung, die sie unterscheidet, z. B. die Entgeltgruppe oder das Team."
                )
            },
            code="description_needed",
        )
        for index, row in enumerate(rows)
        if counts[_line_key(row)] > 1 and not row.description.strip()
    }


def _check_several_named(project: Project, fiscal_year: FiscalYear) -> None:
    """After the rows are written: no key of the year has several lines of which one lacks a
    description. The form checks its rows first; this catches a line someone else added since
    the page was opened (the project's lock makes the check see every line)."""
    clash = (
        BudgetLine.objects.filter(project=project, fiscal_year=fiscal_year)
        .values("category", "funding_source")
        .annotate(lines=Count("pk"), unnamed=Count("pk", filter=Q(description="")))
        .filter(lines__gt=1, unnamed__gt=0)
        .order_by("category", "funding_source")
        .first()
    )
    if clash is not None:
        category = CostCategory.objects.get(pk=clash["category"])
        source = FundingSource.objects.get(pk=clash["funding_source"])
        raise ValidationError(
            _(
                "Inzwischen gibt es für %(year)s mehrere Zeilen „%(category)s“ aus „%(source)s“, "
                "nicht alle mit Bezeichnung. Ihre Eingaben wurden nicht gespeichert: Bitte laden "
                "Sie die Seite neu und geben Sie jeder dieser Zeilen eine Bezeichnung."
            )
            % {
                "year": fiscal_year.year,
                "category": category.label,
                "source": source.label,
            },
            code="description_needed",
        )


def _save_rows(
    *, actor: Actor, project: Project, fiscal_year: FiscalYear, rows: Sequence[LineInput]
) -> list[BudgetLine]:
    errors = _unnamed_among_several(rows)
    saved: list[BudgetLine] = []
    for index, row in enumerate(rows):
        if index in errors:
            continue
        try:
            line = _save_line(actor=actor, project=project, fiscal_year=fiscal_year, row=row)
        except ValidationError as error:
            errors[index] = error
        else:
            if line is not None:
                saved.append(line)
    if errors:
        transaction.set_rollback(True)
        raise RowsInvalid({"lines": errors})
    _check_several_named(project, fiscal_year)
    return saved


def _save_line(
    *, actor: Actor, project: Project, fiscal_year: FiscalYear, row: LineInput
) -> BudgetLine | None:
    if row.line_id is not None:
        line = (
            BudgetLine.objects.select_for_update()
            .select_related("fiscal_year", "category", "funding_source")
            .filter(pk=row.line_id, project=project, fiscal_year=fiscal_year)
            .first()
        )
        if line is None:
            raise ValidationError(
                _(
                    "Diese Zeile gehört nicht (mehr) zu diesem Haushaltsjahr des Projekts. Ihre "
                    "Eingaben wurden nicht gespeichert: Bitte laden Sie die Seite neu."
                ),
                code="stale",
            )
        if line.version != row.version:
            raise ValidationError(_stale_message(line.updated_at), code="stale")
        before = snapshot(line, LINE_AUDITED)
        action = AuditEntry.Action.UPDATE
    else:
        line = BudgetLine(project=project, fiscal_year=fiscal_year)
        before = {}
        action = AuditEntry.Action.CREATE
    _apply_line_input(line, row)
    line.full_clean(exclude=["project", "fiscal_year"], validate_unique=False)
    after = snapshot(line, LINE_AUDITED)
    changes = diff(before, after)
    if action == AuditEntry.Action.UPDATE and not changes:
        return line
    # The same description in another case is refused too: "Team A" and "team a" would read as
    # one line on the page.
    clash = BudgetLine.objects.filter(
        project=project,
        fiscal_year=fiscal_year,
        category=line.category,
        funding_source=line.funding_source,
        description__iexact=line.description,
    ).exclude(pk=line.pk)
    if clash.exists():
        raise _clash_error(line)
    line.version = (line.version or 0) + 1 if line.pk else 1
    line.updated_at = timezone.now()
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as exc:  # a concurrent request inserted the same combination
        raise _clash_error(line) from exc
    _audit_line(actor=actor, line=line, action=action, changes=changes)
    return line


def _clash_error(line: BudgetLine) -> ValidationError:
    if line.description:
        message = _(
            "Für dieses Jahr gibt es bereits eine Zeile mit dieser Kostenart, Quelle und "
            "Bezeichnung. Bitte geben Sie dieser Zeile eine eigene Bezeichnung."
        )
    else:
        # The form names every line of a key it holds; an unnamed twin is one it does not show.
        message = _(
            "Für dieses Jahr gibt es bereits eine Zeile mit dieser Kostenart und Quelle, die hier "
            "nicht steht. Bitte laden Sie die Seite neu: Mehrere Zeilen mit derselben Kostenart "
            "und Quelle brauchen je eine Bezeichnung."
        )
    return ValidationError({"description": message}, code="clash")


def budget_line_delete(*, actor: Actor, line: BudgetLine, version: int) -> None:
    """Delete one line; its last values stay in the audit trail."""
    if not permissions.can(actor, "edit_budget", line.project):
        raise PermissionDenied
    with transaction.atomic():
        _lock_budget()
        current = (
            BudgetLine.objects.select_for_update()
            .select_related("fiscal_year", "category", "funding_source")
            .filter(pk=line.pk)
            .first()
        )
        if current is None:
            return  # deleting twice does nothing twice
        if current.version != version:
            raise ValidationError(_stale_message(current.updated_at), code="stale")
        _audit_line(
            actor=actor,
            line=current,
            action=AuditEntry.Action.DELETE,
            changes=diff(snapshot(current, LINE_AUDITED), {}),
        )
        current.delete()


# --- Reference data: cost rates and the programme budget --------------------------------------


def cost_rate_set(
    *, actor: Actor, fiscal_year: FiscalYear, pay_grade: str, annual_full_cost: Decimal
) -> tuple[CostRate, int]:
    """Create or change a rate; personnel lines of open years using it are recomputed.

    Returns the rate and how many lines were recomputed.
    """
    if not permissions.can(actor, "manage_cost_rates"):
        raise PermissionDenied
    pay_grade = pay_grade.strip()
    with transaction.atomic():
        _lock_budget()  # before the lines of every project that uses the rate
        rate = (
            CostRate.objects.select_for_update()
            .filter(fiscal_year=fiscal_year, pay_grade=pay_grade)
            .first()
        )
        before = snapshot(rate, ("fiscal_year", "pay_grade", "annual_full_cost")) if rate else {}
        action = AuditEntry.Action.UPDATE if rate else AuditEntry.Action.CREATE
        rate = rate or CostRate(fiscal_year=fiscal_year, pay_grade=pay_grade)
        rate.annual_full_cost = annual_full_cost
        rate.updated_at = timezone.now()
        rate.full_clean(validate_unique=False)
        rate.save()
        audit_record(
            actor=actor,
            instance=rate,
            action=action,
            changes=diff(before, snapshot(rate, ("fiscal_year", "pay_grade", "annual_full_cost"))),
        )
        recomputed = 0
        if not fiscal_year.closed:
            lines = (
                BudgetLine.objects.select_for_update()
                .filter(cost_rate=rate, fte__isnull=False)
                .select_related("fiscal_year", "category", "funding_source")
                .order_by("pk")
            )
            for line in lines:
                # A line with FTE has its months too (budget_line_personnel_basis_complete).
                assert line.fte is not None and line.months is not None
                before_line = snapshot(line, LINE_AUDITED)
                new_planned = personnel_amount(
                    fte=line.fte, months=line.months, annual_full_cost=rate.annual_full_cost
                )
                if new_planned == line.planned:
                    continue
                if line.revised == line.planned:
                    line.revised = new_planned
                line.planned = new_planned
                line.version += 1
                line.updated_at = timezone.now()
                line.save(update_fields=["planned", "revised", "version", "updated_at"])
                _audit_line(
                    actor=actor,
                    line=line,
                    action=AuditEntry.Action.UPDATE,
                    changes=diff(before_line, snapshot(line, LINE_AUDITED)),
                )
                recomputed += 1
    return rate, recomputed


def programme_budget_set(*, actor: Actor, amount: Decimal, note: str = "") -> ProgrammeBudget:
    if not permissions.can(actor, "manage_cost_rates"):
        raise PermissionDenied
    with transaction.atomic():
        budget = ProgrammeBudget.current()
        budget = ProgrammeBudget.objects.select_for_update().get(pk=budget.pk)
        before = snapshot(budget, ("amount", "note"))
        budget.amount, budget.note = amount, note
        budget.updated_at = timezone.now()
        budget.full_clean()
        budget.save(update_fields=["amount", "note", "updated_at"])
        audit_record(
            actor=actor,
            instance=budget,
            action=AuditEntry.Action.UPDATE,
            changes=diff(before, snapshot(budget, ("amount", "note"))),
        )
    return budget


def project_guests_close_expired(*, on: dt.date | None = None) -> int:
    """The daily job: close every open project invitation whose end date has passed."""
    on = on or today()
    closed = 0
    for guest in ProjectGuest.objects.past_until(on):
        project_guest_end(actor=SYSTEM_ACTOR, guest=guest)
        closed += 1
    return closed
