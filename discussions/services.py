"""Every write of the discussions: start a thread, reply, edit, follow, moderate.

Each checks the rule itself (discussions.permissions), validates, writes in one transaction
with its audit entry, and writes the notices in the same transaction (the outbox): the people
newly mentioned (once per post, however often it is edited) and the followers of the thread
(not the one who wrote the reply, not those mentioned in it: they have their notice already).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import User
from core.audiences import Actor, Viewer
from core.models import AuditEntry
from core.services import audit_record
from notifications.kinds import Kind
from notifications.services import notify_each
from projects.models import Project
from spaces.models import Space

from . import selectors
from .markup import render
from .models import BODY_MAX, REASON_MAX, TITLE_MAX, Follow, Mention, Post, PostRevision, Thread
from .permissions import POST, THREAD, may_discuss

EXCERPT = 300
# Why the author of a hidden post may not edit it (the edit page's 403, the service's refusal).
HIDDEN_POST = gettext_lazy(
    "Dieser Beitrag wurde von der Moderation ausgeblendet und kann nicht mehr bearbeitet werden."
)


# --- Checks ---------------------------------------------------------------------------------


def _clean_text(value: str, *, field: str, limit: int, empty: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: empty})
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("Höchstens %(limit)s Zeichen (Ihr Text hat %(length)s).")
                % {
                    "limit": number_format(limit, force_grouping=True),
                    "length": number_format(len(value), force_grouping=True),
                }
            }
        )
    return value


def clean_title(value: str) -> str:
    return _clean_text(
        value, field="title", limit=TITLE_MAX, empty=_("Bitte geben Sie einen Titel ein.")
    )


def clean_body(value: str) -> str:
    return _clean_text(
        value, field="body", limit=BODY_MAX, empty=_("Bitte schreiben Sie einen Text.")
    )


def clean_reason(value: str) -> str:
    return _clean_text(
        value,
        field="reason",
        limit=REASON_MAX,
        empty=_("Bitte nennen Sie den Grund: Er ist für die Moderation und das ITD sichtbar."),
    )


def _check_open(thread: Thread) -> None:
    """A reply or an edit in a hidden or locked thread: a clear message, nothing stored."""
    if thread.is_hidden:
        raise ValidationError(_("Diese Diskussion ist ausgeblendet: Antworten sind nicht möglich."))
    if thread.is_locked:
        raise ValidationError(
            _("Diese Diskussion ist geschlossen: Antworten sind nicht mehr möglich.")
        )


def _where(thread: Thread) -> Space | Project:
    return thread.space if thread.space is not None else thread.project  # type: ignore[return-value]


def _notice_fields(thread: Thread) -> dict[str, Any]:
    project = thread.project
    return {
        "space": thread.space if thread.space is not None else project and project.primary_space,
        "project": project,
        "subject_ref": f"discussions.thread:{thread.pk}",
    }


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


# --- Writing posts --------------------------------------------------------------------------


def _render(post: Post) -> list[int]:
    """Render the post's body with the thread's readers as mention targets; whom it mentions."""
    rendered = render(post.body, selectors.mention_scope(_where(post.thread)).targets)
    post.body_html = rendered.html
    post.unresolved_mentions = tuple(rendered.unresolved)
    return rendered.mentioned


def _mention(*, actor: Actor, post: Post, mentioned: list[int]) -> None:
    """Notify those newly mentioned in the (saved) post: a Mention row each, so an edit never
    notifies the same person twice."""
    already = set(Mention.objects.filter(post=post).values_list("user_id", flat=True))
    new = [pk for pk in mentioned if pk != actor.pk and pk not in already]
    Mention.objects.bulk_create([Mention(post=post, user_id=pk) for pk in new])
    thread, name = post.thread, actor.get_full_name() or actor.email

    def compose(user: Viewer) -> tuple[str, list[str]]:
        return (
            _("Sie wurden erwähnt: %(title)s") % {"title": thread.title},
            [
                _("%(name)s hat Sie in der Diskussion „%(title)s“ erwähnt:")
                % {"name": name, "title": thread.title},
                _excerpt(post.body),
            ],
        )

    notify_each(
        User.objects.filter(pk__in=new, is_active=True),
        kind=Kind.MENTIONED,
        compose=compose,
        url=post.get_absolute_url(),
        exclude=actor,
        **_notice_fields(thread),
    )


def _follow(thread: Thread, user: Actor) -> None:
    Follow.objects.get_or_create(thread=thread, user=user)


def _notify_followers(*, actor: Actor, post: Post) -> None:
    thread = post.thread
    mentioned = Mention.objects.filter(post=post).values("user_id")
    followers = (
        User.objects.filter(pk__in=Follow.objects.filter(thread=thread).values("user_id"))
        .filter(pk__in=selectors.readers(_where(thread)).values("pk"))
        .exclude(pk__in=mentioned)
    )
    name = actor.get_full_name() or actor.email

    def compose(user: Viewer) -> tuple[str, list[str]]:
        return (
            _("Neue Antwort: %(title)s") % {"title": thread.title},
            [
                _("%(name)s hat in der Diskussion „%(title)s“ geantwortet:")
                % {"name": name, "title": thread.title},
                _excerpt(post.body),
            ],
        )

    notify_each(
        followers,
        kind=Kind.THREAD_REPLY,
        compose=compose,
        url=post.get_absolute_url(),
        exclude=actor,
        **_notice_fields(thread),
    )


def thread_start(*, actor: Actor, where: Space | Project, title: str, body: str) -> Thread:
    """A new thread in a space or on a project, with its opening post; the author follows."""
    if not may_discuss(actor, where):
        raise PermissionDenied
    errors: dict[str, Any] = {}
    for clean, value in ((clean_title, title), (clean_body, body)):
        try:
            clean(value)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(
            space=where if isinstance(where, Space) else None,
            project=where if isinstance(where, Project) else None,
            title=clean_title(title),
            author=actor,
            created_at=now,
            last_post_at=now,
            post_count=1,
        )
        post = Post(thread=thread, number=1, author=actor, body=clean_body(body), created_at=now)
        mentioned = _render(post)
        post.save()
        _mention(actor=actor, post=post, mentioned=mentioned)
        _follow(thread, actor)
        audit_record(actor=actor, instance=thread, action=AuditEntry.Action.CREATE)
    thread.unresolved_mentions = post.unresolved_mentions
    return thread


def post_reply(*, actor: Actor, thread: Thread, body: str) -> Post:
    """A reply to an open thread; followers hear of it, the one who replies follows."""
    if not THREAD.can(actor, "view", thread):
        raise PermissionDenied
    _check_open(thread)
    body = clean_body(body)
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        _check_open(locked)  # moderated meanwhile
        now = timezone.now()
        Thread.objects.filter(pk=thread.pk).update(post_count=F("post_count") + 1, last_post_at=now)
        post = Post(
            thread=thread,
            number=locked.post_count + 1,
            author=actor,
            body=body,
            created_at=now,
        )
        mentioned = _render(post)
        post.save()
        _mention(actor=actor, post=post, mentioned=mentioned)
        _notify_followers(actor=actor, post=post)
        _follow(thread, actor)
    thread.post_count, thread.last_post_at = locked.post_count + 1, now
    return post


def post_edit(*, actor: Actor, post: Post, body: str, title: str | None = None) -> Post:
    """The author changes their post (the opening post: the thread's title too). The earlier
    version is kept for the moderators; the post shows "bearbeitet" with the time."""
    if not POST.can(actor, "own", post):
        raise PermissionDenied
    # The rule "edit" (permissions.POST) is "own", not hidden, in an open thread: the author is
    # told which of these fails. Hidden: a moderator took it out of the discussion, so it is
    # not the author's to change any more.
    if post.is_hidden:
        raise PermissionDenied(HIDDEN_POST)
    _check_open(post.thread)
    if not POST.can(actor, "edit", post):
        raise PermissionDenied
    body = clean_body(body)
    thread = post.thread
    new_title = clean_title(title) if post.is_opening and title is not None else thread.title
    if body == post.body and new_title == thread.title:
        return post  # nothing changed: no new version, no "bearbeitet"
    with transaction.atomic():
        PostRevision.objects.create(
            post=post,
            title=thread.title if post.is_opening else "",
            body=post.body,
            written_at=post.edited_at or post.created_at,
        )
        changes = {"body": {"old": _excerpt(post.body), "new": _excerpt(body)}}
        if new_title != thread.title:
            changes["title"] = {"old": thread.title, "new": new_title}
            thread.title = new_title
            thread.save(update_fields=["title"])
        post.body, post.edited_at = body, timezone.now()
        mentioned = _render(post)
        post.save(update_fields=["body", "body_html", "edited_at"])
        _mention(actor=actor, post=post, mentioned=mentioned)
        audit_record(actor=actor, instance=post, action=AuditEntry.Action.UPDATE, changes=changes)
    return post


# --- Following ------------------------------------------------------------------------------


def thread_follow(*, actor: Actor, thread: Thread, follow: bool) -> bool:
    if not THREAD.can(actor, "follow", thread):
        raise PermissionDenied
    if follow:
        _follow(thread, actor)
    else:
        Follow.objects.filter(thread=thread, user=actor).delete()
    return follow


# --- Moderation -----------------------------------------------------------------------------


def _moderated(actor: Actor, obj: Thread | Post, table: Any) -> None:
    if not table.can(actor, "moderate", obj):
        raise PermissionDenied


def _set_hidden(*, actor: Actor, obj: Thread | Post, reason: str | None) -> None:
    hide = reason is not None
    if obj.is_hidden == hide:
        return
    old_reason = obj.hidden_reason
    obj.hidden_at = timezone.now() if hide else None
    obj.hidden_by = actor if hide else None
    obj.hidden_reason = reason or ""
    with transaction.atomic():
        obj.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        audit_record(
            actor=actor,
            instance=obj,
            action=AuditEntry.Action.UPDATE,
            changes={
                "hidden": {"old": not hide, "new": hide},
                "reason": {"old": old_reason, "new": obj.hidden_reason},
            },
        )


def thread_hide(*, actor: Actor, thread: Thread, reason: str) -> Thread:
    _moderated(actor, thread, THREAD)
    _set_hidden(actor=actor, obj=thread, reason=clean_reason(reason))
    return thread


def thread_unhide(*, actor: Actor, thread: Thread) -> Thread:
    _moderated(actor, thread, THREAD)
    _set_hidden(actor=actor, obj=thread, reason=None)
    return thread


def post_hide(*, actor: Actor, post: Post, reason: str) -> Post:
    _moderated(actor, post, POST)
    _set_hidden(actor=actor, obj=post, reason=clean_reason(reason))
    return post


def post_unhide(*, actor: Actor, post: Post) -> Post:
    _moderated(actor, post, POST)
    _set_hidden(actor=actor, obj=post, reason=None)
    return post


def thread_lock(*, actor: Actor, thread: Thread, lock: bool) -> Thread:
    """Close a thread for replies (or open it again)."""
    _moderated(actor, thread, THREAD)
    if thread.is_locked == lock:
        return thread
    thread.locked_at = timezone.now() if lock else None
    thread.locked_by = actor if lock else None
    with transaction.atomic():
        thread.save(update_fields=["locked_at", "locked_by"])
        audit_record(
            actor=actor,
            instance=thread,
            action=AuditEntry.Action.UPDATE,
            changes={"locked": {"old": not lock, "new": lock}},
        )
    return thread
