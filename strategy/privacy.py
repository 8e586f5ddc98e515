"""What the strategy holds about a person: the measures they are responsible for, the values
they entered, the reports they submitted and the rounds they opened or froze.

Deletion: the links to the account stay (accounts are anonymised, never deleted, so they show
the pseudonym from then on); responsibility for a measure ends; the person's name is removed
from what can still change (texts of goals, measures, values and reports of open rounds). A
frozen round is a record of what was reported to the state secretaries and cannot change (its
database trigger): a name in its texts stays there, its accounts show the pseudonym.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, redact_rows, register

from .models import Goal, IndicatorValue, Measure, Round, Submission


def _export(subject: Subject) -> list[dict[str, Any]]:
    user = subject.user
    rows: list[dict[str, Any]] = [
        {"responsible_for_measure": str(m), "lead_authority": str(m.lead_authority)}
        for m in Measure.objects.filter(responsible__user=user).select_related("lead_authority")
    ]
    rows += [
        {"indicator_value": str(v.indicator), "on": v.on, "value": v.value, "comment": v.comment}
        for v in IndicatorValue.objects.filter(entered_by=user).select_related("indicator")
    ]
    rows += [
        {"report_submitted": str(s), "submitted_at": s.submitted_at, "text": s.text}
        for s in Submission.objects.filter(submitted_by=user).select_related("round", "measure")
    ]
    rows += [
        {"round_opened": r.name, "opened_at": r.opened_at}
        for r in Round.objects.filter(opened_by=user)
    ]
    rows += [
        {"round_frozen": r.name, "frozen_at": r.frozen_at}
        for r in Round.objects.filter(frozen_by=user)
    ]
    return rows


def _anonymise(subject: Subject) -> None:
    user = subject.user
    Measure.objects.filter(responsible__user=user).update(responsible=None)
    redact_rows(Goal.objects.all(), ("title", "description"), subject)
    redact_rows(Measure.objects.all(), ("title", "description"), subject)
    redact_rows(
        IndicatorValue.objects.all(), ("source", "comment"), subject, own=Q(entered_by=user)
    )
    redact_rows(
        Submission.objects.filter(round__status=Round.Status.OPEN),
        ("text", "review_comment", "coordinator_note"),
        subject,
        own=Q(submitted_by=user),
    )


register(
    Holding(
        key="strategy",
        models=(Measure, IndicatorValue, Submission, Round),
        export=_export,
        anonymise=_anonymise,
        order=60,
    )
)
