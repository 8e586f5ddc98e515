"""What open data holds about a person: who marked a dataset as published (the account, for
ITD's page and the audit trail). The published data themselves name nobody (selectors.py).

Deletion: the link to the account stays (accounts are anonymised, never deleted, so it shows
the pseudonym from then on); a name typed into a title or description is removed.
"""

from __future__ import annotations

from typing import Any

from core.personal_data import Holding, Subject, redact_rows, register

from .models import Publication


def _export(subject: Subject) -> list[dict[str, Any]]:
    return [
        {"published": p.title, "kind": p.get_kind_display(), "modified_at": p.modified_at}
        for p in Publication.objects.filter(published_by=subject.user)
    ]


def _anonymise(subject: Subject) -> None:
    redact_rows(
        Publication.objects.all(), ("title", "title_en", "description", "description_en"), subject
    )


register(
    Holding(key="open_data", models=(Publication,), export=_export, anonymise=_anonymise, order=60)
)
