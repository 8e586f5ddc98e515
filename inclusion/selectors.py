"""Reads for the pages: the four items in Leichte Sprache and in DGS, each with what is missing;
ITD's overview with each text's state and the count of requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audiences import Viewer
from core.money import format_number

from . import checker
from .models import EasyText, Item, RequestCount, SignOff, Status, Video
from .statement import statement_hash

REQUEST_DAYS = 90


def needs_review(text: EasyText, current_statement: str | None = None) -> bool:
    """Item 3 was signed off for another version of the accessibility statement."""
    if text.item != Item.STATEMENT or text.status != Status.SIGNED_OFF:
        return False
    return text.statement_hash != (current_statement or statement_hash())


def state_label(text: EasyText, current_statement: str | None = None) -> str:
    if needs_review(text, current_statement):
        return _("zur Prüfung: die Erklärung zur Barrierefreiheit hat sich geändert")
    return str(text.get_status_display())


def megabytes(size: int) -> str:
    return format_number(Decimal(size) / Decimal(1024 * 1024), 1)


def minutes_seconds(seconds: Decimal) -> str:
    whole = int(seconds.to_integral_value())
    return f"{whole // 60:02d}:{whole % 60:02d}"


@dataclass(frozen=True)
class EasyItem:
    item: str
    label: str
    text: EasyText | None
    blocks: list[tuple[str, list[str]]]
    under_review: bool


def easy_items(viewer: Viewer) -> list[EasyItem]:
    texts = {t.item: t for t in EasyText.objects.visible_to(viewer)}
    current = statement_hash()
    return [
        EasyItem(
            item=item,
            label=str(label),
            text=texts.get(item),
            blocks=checker.blocks(texts[item].body) if item in texts else [],
            under_review=item in texts and needs_review(texts[item], current),
        )
        for item, label in Item.choices
    ]


@dataclass(frozen=True)
class SignItem:
    item: str
    label: str
    video: Video | None
    size_mb: str
    duration: str


def sign_items(viewer: Viewer) -> list[SignItem]:
    videos = {v.item: v for v in Video.objects.visible_to(viewer).defer("captions")}
    result = []
    for item, label in Item.choices:
        video = videos.get(item)
        result.append(
            SignItem(
                item=item,
                label=str(label),
                video=video,
                size_mb=megabytes(video.size) if video else "",
                duration=minutes_seconds(video.duration) if video else "",
            )
        )
    return result


def manage_texts(viewer: Viewer) -> list[dict[str, Any]]:
    """Each item with its text (or none), its state and its latest sign-off."""
    texts = {t.item: t for t in EasyText.objects.visible_to(viewer).select_related("updated_by")}
    latest: dict[int, SignOff] = {}
    for sign_off in SignOff.objects.visible_to(viewer).order_by("text_id", "-recorded_at"):
        latest.setdefault(sign_off.text_id, sign_off)
    current = statement_hash()
    rows = []
    for item, label in Item.choices:
        text = texts.get(item)
        rows.append(
            {
                "item": item,
                "label": label,
                "text": text,
                "state": state_label(text, current) if text else _("fehlt"),
                "under_review": bool(text and needs_review(text, current)),
                "sign_off": latest.get(text.pk) if text else None,
            }
        )
    return rows


def request_counts(viewer: Viewer, *, days: int = REQUEST_DAYS) -> list[dict[str, Any]]:
    """The wishes of the last `days` days per page and kind, most asked first."""
    since = timezone.localdate() - dt.timedelta(days=days)
    return list(
        RequestCount.objects.visible_to(viewer)
        .filter(day__gte=since)
        .values("path", "kind")
        .annotate(total=Sum("count"))
        .order_by("-total", "path", "kind")
    )
