"""Every write of Leichte Sprache and DGS: ITD saves a text (checked by the checker, saved even
with findings, then marked "nicht geprüft"), records the test readers' sign-off, uploads a video
with captions and transcript (checked by ffprobe, refused with the reason); anyone asks for a
translation (counted per page, kind and day, no person stored). Each ITD write checks the
permission itself, validates everything before it writes, runs in one transaction and is
audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import uuid
from collections.abc import MutableMapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audiences import Actor
from core.dates import validate_plausible_date
from core.limits import LimitExceeded
from core.models import AuditEntry
from core.services import audit_record

from . import checker, media
from .models import EasyText, Item, Kind, RequestCount, SignOff, Status, Video
from .permissions import GLOBAL
from .statement import statement_hash

STORAGE = "inclusion_videos"


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _item(item: str) -> str:
    if item not in Item.values:
        raise ValidationError(_("Diesen Punkt gibt es nicht."))
    return item


def body_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


def easy_text_save(*, actor: Actor, item: str, title: str, body: str) -> EasyText:
    """Save a text in Leichte Sprache with the checker's findings. A text with findings is
    saved as "nicht geprüft"; an unchanged signed-off text stays signed off."""
    _require(GLOBAL.can(actor, "manage"))
    _item(item)
    title, body = title.strip(), body.replace("\r\n", "\n").strip()
    if not title or not body:
        raise ValidationError({"body": _("Überschrift und Text dürfen nicht leer sein.")})
    findings = checker.check_text(f"{title}\n\n{body}")
    with transaction.atomic():
        text = EasyText.objects.select_for_update().filter(item=item).first()
        created = text is None
        if text is None:
            text = EasyText(item=item)
        old = {"title": text.title, "body": text.body, "status": text.status}
        unchanged = not created and old["title"] == title and old["body"] == body
        text.title, text.body = title, body
        text.findings = [f.as_dict() for f in findings]
        text.readability = checker.readability(body)
        if not unchanged or text.status != Status.SIGNED_OFF:
            text.status = Status.NOT_CHECKED if findings else Status.CHECKED
        text.updated_at, text.updated_by = timezone.now(), actor
        text.full_clean()
        text.save()
        audit_record(
            actor=actor,
            instance=text,
            action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            changes={
                key: {"old": old[key], "new": getattr(text, key)}
                for key in old
                if old[key] != getattr(text, key)
            },
        )
    return text


def easy_text_sign_off(
    *, actor: Actor, text: EasyText, readers: str, checked_on: dt.date
) -> SignOff:
    """Record that the test readers checked the text as it stands (DIN SPEC 33429)."""
    _require(GLOBAL.can(actor, "manage"))
    readers = readers.strip()
    errors: dict[str, str] = {}
    if not readers:
        errors["readers"] = _("Nennen Sie die Prüf-Lesenden (Namen oder Gruppe).")
    try:
        validate_plausible_date(checked_on)
    except ValidationError as error:
        errors["checked_on"] = error.messages[0]
    if checked_on > timezone.localdate():
        errors["checked_on"] = _("Das Datum der Prüfung liegt in der Zukunft.")
    if errors:
        raise ValidationError(errors)
    current = statement_hash() if text.item == Item.STATEMENT else ""
    with transaction.atomic():
        text = EasyText.objects.select_for_update().get(pk=text.pk)
        sign_off = SignOff(
            text=text,
            readers=readers,
            checked_on=checked_on,
            body_hash=body_hash(text.title, text.body),
            statement_hash=current,
            recorded_by=actor,
        )
        sign_off.full_clean()
        sign_off.save()
        old_status = text.status
        text.status, text.statement_hash = Status.SIGNED_OFF, current
        text.save(update_fields=["status", "statement_hash"])
        audit_record(
            actor=actor,
            instance=text,
            action=AuditEntry.Action.UPDATE,
            changes={
                "status": {"old": old_status, "new": text.status},
                "readers": {"old": None, "new": readers},
                "checked_on": {"old": None, "new": checked_on.isoformat()},
            },
        )
    return sign_off


def _to_temporary(upload: UploadedFile, directory: str) -> Path:
    path = Path(directory) / "upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _checked_inputs(
    video: UploadedFile | None, captions: UploadedFile | None, transcript: str
) -> tuple[UploadedFile, str, str]:
    """The video, the captions as text and the transcript, or every reason they are refused."""
    errors: dict[str, list[str]] = {}
    if video is None:
        errors["video"] = [_("Wählen Sie eine Video-Datei.")]
    elif video.size is not None and video.size > settings.INCLUSION_VIDEO_MAX_SIZE:
        errors["video"] = [
            _("Das Video ist größer als %(mb)s MB.")
            % {"mb": settings.INCLUSION_VIDEO_MAX_SIZE // (1024 * 1024)}
        ]
    captions_text = ""
    if captions is None:
        errors["captions"] = [
            _("Ohne Untertitel (WebVTT) nehmen wir kein Video an: sie gehören zu jedem Video.")
        ]
    else:
        try:
            captions_text = media.webvtt(captions.read(media.MAX_CAPTIONS + 1))
        except ValidationError as error:
            errors.update(error.message_dict)
    transcript = transcript.replace("\r\n", "\n").strip()
    if not transcript:
        errors["transcript"] = [_("Das Transkript darf nicht leer sein.")]
    if errors or video is None:
        raise ValidationError(errors)
    return video, captions_text, transcript


def video_upload(
    *,
    actor: Actor,
    item: str,
    video: UploadedFile | None,
    captions: UploadedFile | None,
    transcript: str,
) -> Video:
    """Check the video with ffprobe (BITV 2.0 Anlage 2: 320 x 240, 25 fps), its captions
    (WebVTT) and transcript; store it and replace the item's earlier video. Nothing is written
    when one check fails."""
    _require(GLOBAL.can(actor, "manage"))
    _item(item)
    upload, captions_text, transcript = _checked_inputs(video, captions, transcript)
    storage = storages[STORAGE]
    with tempfile.TemporaryDirectory() as directory:
        path = _to_temporary(upload, directory)
        found = media.probe(path)
        reasons = media.problems(found)
        if reasons:
            raise ValidationError({"video": reasons})
        extension = "mp4" if found.content_type == "video/mp4" else "webm"
        with path.open("rb") as handle:
            name = storage.save(f"{item}-{uuid.uuid4().hex}.{extension}", File(handle))
        size = path.stat().st_size
    try:
        with transaction.atomic():
            existing = Video.objects.select_for_update().filter(item=item).first()
            old_name = existing.file_name if existing else None
            row = existing or Video(item=item)
            for key, value in {
                "file_name": name,
                "content_type": found.content_type,
                "size": size,
                "width": found.width,
                "height": found.height,
                "fps": found.fps.quantize(Decimal("0.01")),
                "duration": found.duration,
                "captions": captions_text,
                "transcript": transcript,
                "uploaded_at": timezone.now(),
                "uploaded_by": actor,
            }.items():
                setattr(row, key, value)
            row.full_clean()
            row.save()
            audit_record(
                actor=actor,
                instance=row,
                action=AuditEntry.Action.UPDATE if existing else AuditEntry.Action.CREATE,
                changes={"file": {"old": old_name, "new": name}},
            )
            if old_name:
                transaction.on_commit(lambda: storage.delete(old_name))
    except Exception:
        storage.delete(name)
        raise
    return row


def _request_limit(client: str) -> None:
    """At most INCLUSION_REQUEST_LIMIT wishes an hour from one network address."""
    key = f"inclusion:requests:{hashlib.sha256(client.encode()).hexdigest()[:32]}"
    cache.add(key, 0, timeout=3600)
    try:
        used = cache.incr(key)
    except ValueError:  # the cache lost the key (or Redis is away): count nothing
        return
    if used > settings.INCLUSION_REQUEST_LIMIT:
        raise LimitExceeded(_("Wünsche nach einer Übersetzung (zu viele in einer Stunde)."))


def translation_request(
    *, path: str, kind: str, session: MutableMapping[str, Any], client: str
) -> bool:
    """Count a wish for `path` in `kind`; True if counted, False if this session asked for the
    same page and kind today already. No person is stored, only the day, the page and the kind."""
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Wählen Sie Leichte Sprache oder Gebärdensprache.")
    try:
        if not path.startswith("/") or len(path) > 200:
            raise Resolver404
        resolve(path)
    except Resolver404:
        errors["path"] = _("Diese Seite gibt es im Portal nicht.")
    if errors:
        raise ValidationError(errors)
    _request_limit(client)
    day = timezone.localdate()
    key = f"{day.isoformat()} {kind} {path}"
    seen: list[str] = [s for s in session.get("inclusion_requests", []) if s.startswith(str(day))]
    if key in seen:
        return False
    with transaction.atomic():
        row, _created = RequestCount.objects.get_or_create(day=day, path=path, kind=kind)
        RequestCount.objects.filter(pk=row.pk).update(count=F("count") + 1)
    session["inclusion_requests"] = [*seen, key][-50:]
    return True
