"""What Leichte Sprache and DGS hold about a person: who last changed a text, who recorded a
sign-off, who uploaded a video (the account, for ITD's page and the audit trail); the test
readers are named as the sign-off says (names or a group, typed by ITD). The count of requests
for a translation stores no person (day, page, kind).

Deletion: the links to the account stay (accounts are anonymised, never deleted, so they show
the pseudonym from then on); the name is removed from the readers, the texts and transcripts.
"""

from __future__ import annotations

from typing import Any

from core.personal_data import Holding, Subject, redact_rows, register

from .models import EasyText, SignOff, Video


def _export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    user = subject.user
    return {
        "texts_changed": [
            {"item": t.get_item_display(), "changed_at": t.updated_at}
            for t in EasyText.objects.filter(updated_by=user)
        ],
        "sign_offs_recorded": [
            {"item": s.text.get_item_display(), "readers": s.readers, "checked_on": s.checked_on}
            for s in SignOff.objects.filter(recorded_by=user).select_related("text")
        ],
        "videos_uploaded": [
            {"item": v.get_item_display(), "uploaded_at": v.uploaded_at}
            for v in Video.objects.filter(uploaded_by=user)
        ],
    }


def _anonymise(subject: Subject) -> None:
    redact_rows(SignOff.objects.all(), ("readers",), subject)
    redact_rows(EasyText.objects.all(), ("title", "body"), subject)
    redact_rows(Video.objects.all(), ("transcript", "captions"), subject)


register(
    Holding(
        key="easy_language",
        models=(EasyText, SignOff, Video),
        export=_export,
        anonymise=_anonymise,
        order=60,
    )
)
