"""Every write of open data: ITD marks a dataset as published (or changes its category, titles
and texts, or publishes it again after a withdrawal) and withdraws it. Each checks permission
itself (opendata.permissions), validates the whole input before it writes anything, runs in one
transaction and keeps the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audiences import Actor
from core.models import AuditEntry
from core.services import audit_record
from reports.models import Kind as ReportKind
from reports.models import Report, Scope
from reports.models import Status as ReportStatus
from strategy.models import Round

from .models import SINGLE_KINDS, Category, Kind, Publication
from .permissions import GLOBAL, PUBLICATION

TEXT_FIELDS = ("title", "title_en", "description", "description_en", "category")

# Stable addresses of the datasets without a subject.
SLUGS = {Kind.PROJECTS: "projekte", Kind.BUDGET: "programmbudget"}


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def default_texts(
    kind: str, *, round_: Round | None = None, report: Report | None = None
) -> dict[str, str]:
    """The titles and descriptions offered in the form, by kind and subject."""
    if kind == Kind.PROJECTS:
        return {
            "title": _("Öffentliche Projekte der Digitalstrategie"),
            "title_en": "Public projects of Hamburg's digital strategy",
            "description": _(
                "Die Projekte der Digitalen Räume, die öffentlich sind: Titel, Kurzbeschreibung, "
                "Raum, federführende Behörde, Status, Beginn und Ende."
            ),
            "description_en": (
                "The public projects of the Digital Spaces: title, summary, space, lead "
                "authority, status, start and end."
            ),
            "category": Category.STATISTICS,
        }
    if kind == Kind.BUDGET:
        return {
            "title": _("Programmbudget der Digitalstrategie je Haushaltsjahr"),
            "title_en": "Programme budget of the digital strategy per fiscal year",
            "description": _(
                "Das Programmbudget der Strategie und der Anteil des ITD-Strategiebudgets in "
                "Vollkosten (fortgeschriebener Plan und Ist) je Haushaltsjahr und gesamt."
            ),
            "description_en": (
                "The strategy's programme budget and the ITD strategy budget's share in full "
                "costs (revised plan and actual) per fiscal year and in total."
            ),
            "category": Category.BUDGET_PLANS,
        }
    if kind == Kind.STRATEGY_ROUND and round_ is not None:
        return {
            "title": _("Kennzahlen der Berichtsrunde %(name)s") % {"name": round_.name},
            "title_en": f"Indicators of the reporting round {round_.name}",
            "description": _(
                "Die Kennzahlen der Ziele und Maßnahmen der Digitalstrategie, wie sie zum "
                "Abschluss der Berichtsrunde %(name)s gemeldet wurden: Ausgangswert, Zielwert, "
                "gemeldete Werte und Status."
            )
            % {"name": round_.name},
            "description_en": (
                "The indicators of the digital strategy's goals and measures as reported when "
                f"the reporting round {round_.name} was closed: baseline, target, reported "
                "values and status."
            ),
            "category": Category.STATISTICS,
        }
    if kind == Kind.REPORT and report is not None and report.fiscal_year is not None:
        year = report.fiscal_year.year
        return {
            "title": _("Budgetbericht %(year)s der Digitalstrategie") % {"year": year},
            "title_en": f"Budget report {year} of the digital strategy",
            "description": _(
                "Die Summen des Haushaltsjahres %(year)s in Vollkosten je Digitalem Raum und je "
                "federführender Behörde, über alle Projekte der Strategie."
            )
            % {"year": year},
            "description_en": (
                f"The sums of fiscal year {year} in full costs per Digital Space and per lead "
                "authority, over all projects of the strategy."
            ),
            "category": Category.BUDGET_PLANS,
        }
    return {}


def publishable_rounds() -> Any:
    return Round.objects.filter(status=Round.Status.FROZEN).order_by("-period_end", "-pk")


def publishable_reports() -> Any:
    """Budget reports of the whole strategy that are written: their sums name no person."""
    return Report.objects.filter(
        kind=ReportKind.BUDGET, scope=Scope.PROGRAMME, status=ReportStatus.READY
    ).select_related("fiscal_year")


def _subject(kind: str, round_: Round | None, report: Report | None) -> dict[str, Any]:
    """Check the subject against the kind; the lookup of an existing publication."""
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Diese Art von Veröffentlichung gibt es nicht.")})
    if kind in SINGLE_KINDS:
        if round_ is not None or report is not None:
            raise ValidationError(_("Diese Veröffentlichung hat keinen Gegenstand."))
        return {"kind": kind}
    if kind == Kind.STRATEGY_ROUND:
        if round_ is None or report is not None:
            raise ValidationError({"round": _("Bitte wählen Sie eine Berichtsrunde.")})
        if round_.status != Round.Status.FROZEN:
            raise ValidationError(
                {
                    "round": _(
                        "Nur eine abgeschlossene (eingefrorene) Berichtsrunde kann "
                        "veröffentlicht werden."
                    )
                }
            )
        return {"round": round_}
    if report is None or round_ is not None:
        raise ValidationError({"report": _("Bitte wählen Sie einen Bericht.")})
    if not publishable_reports().filter(pk=report.pk).exists():
        raise ValidationError(
            {
                "report": _(
                    "Veröffentlicht werden nur fertige Budgetberichte der gesamten Strategie."
                )
            }
        )
    return {"report": report}


def _slug(kind: str, round_: Round | None, report: Report | None) -> str:
    if kind == Kind.STRATEGY_ROUND and round_ is not None:
        return f"berichtsrunde-{round_.pk}"
    if kind == Kind.REPORT and report is not None:
        return f"budgetbericht-{report.pk}"
    return SLUGS[Kind(kind)]


def publication_publish(
    *,
    actor: Actor,
    kind: str,
    category: str,
    title: str = "",
    description: str = "",
    title_en: str = "",
    description_en: str = "",
    round_: Round | None = None,
    report: Report | None = None,
) -> Publication:
    """ITD marks a dataset as published: a new publication, or the existing one of the same
    subject changed (and published again if it was withdrawn)."""
    _require(GLOBAL.can(actor, "manage"))
    lookup = _subject(kind, round_, report)
    defaults = default_texts(kind, round_=round_, report=report)
    values = {
        "title": title.strip() or defaults.get("title", ""),
        "title_en": title_en.strip() or defaults.get("title_en", ""),
        "description": description.strip() or defaults.get("description", ""),
        "description_en": description_en.strip() or defaults.get("description_en", ""),
        "category": category,
    }
    now = timezone.now()
    with transaction.atomic():
        existing = Publication.objects.select_for_update().filter(**lookup).first()
        if existing is None:
            publication = Publication(
                kind=kind,
                round=round_,
                report=report,
                slug=_slug(kind, round_, report),
                published_at=now,
                modified_at=now,
                published_by=actor,
                **values,
            )
            publication.full_clean()
            publication.save()
            audit_record(
                actor=actor,
                instance=publication,
                action=AuditEntry.Action.CREATE,
                changes={name: {"new": value} for name, value in values.items()}
                | {"kind": {"new": kind}},
            )
            return publication
        changes = {
            name: {"old": getattr(existing, name), "new": value}
            for name, value in values.items()
            if getattr(existing, name) != value
        }
        if existing.withdrawn_at is not None:
            changes["withdrawn_at"] = {"old": existing.withdrawn_at.isoformat(), "new": None}
            existing.withdrawn_at = None
        for name, value in values.items():
            setattr(existing, name, value)
        if changes:
            existing.modified_at = now
            existing.published_by = actor
        existing.full_clean()
        existing.save()
        audit_record(
            actor=actor, instance=existing, action=AuditEntry.Action.UPDATE, changes=changes
        )
        return existing


def publication_withdraw(*, actor: Actor, publication: Publication) -> Publication:
    """ITD withdraws a dataset: it leaves the page, the catalog and its files answer 404; the
    row stays (publishing it again keeps its address)."""
    _require(PUBLICATION.can(actor, "manage", publication))
    with transaction.atomic():
        locked = Publication.objects.select_for_update().get(pk=publication.pk)
        if locked.withdrawn_at is not None:
            raise ValidationError(_("Diese Veröffentlichung ist bereits zurückgezogen."))
        now = timezone.now()
        locked.withdrawn_at = now
        locked.modified_at = now
        locked.save(update_fields=["withdrawn_at", "modified_at"])
        audit_record(
            actor=actor,
            instance=locked,
            action=AuditEntry.Action.UPDATE,
            changes={"withdrawn_at": {"old": None, "new": now.isoformat()}},
        )
    return locked
