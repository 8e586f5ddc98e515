"""What the discussions hold about a person: the threads and posts they wrote (with earlier
versions), what they moderated, the threads they follow and where they were mentioned.

Deleting the account keeps the discussion readable for the others (a reply answers a post):
the posts stay without an author, and the person's name, address and phone, and their
@mention, are replaced by the pseudonym in every post, version and title.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, mentioning, needle_variants, register, scrub

from .markup import handle_for
from .models import Follow, Mention, Post, PostRevision, Thread


def _export(subject: Subject) -> list[dict[str, Any]]:
    posts = Post.objects.filter(author=subject.user).select_related("thread").order_by("pk")
    return [
        {
            "thread": post.thread.title,
            "number": post.number,
            "written_at": post.created_at,
            "edited_at": post.edited_at,
            "text": post.body,
            "earlier_versions": [r.body for r in post.revisions.order_by("written_at")],
        }
        for post in posts
    ]


def _export_activity(subject: Subject) -> dict[str, Any]:
    user = subject.user
    return {
        "follows": [
            f.thread.title for f in Follow.objects.filter(user=user).select_related("thread")
        ],
        "mentioned_in": [
            str(m.post) for m in Mention.objects.filter(user=user).select_related("post__thread")
        ],
        "moderated": [str(t) for t in Thread.objects.filter(Q(hidden_by=user) | Q(locked_by=user))]
        + [str(p) for p in Post.objects.filter(hidden_by=user).select_related("thread")],
    }


def _needles(subject: Subject) -> list[str]:
    user = subject.user
    handle = handle_for(user.first_name, user.last_name)
    return needle_variants([*subject.needles, f"@{handle}" if handle else ""])


def _anonymise(subject: Subject) -> None:
    user = subject.user
    Follow.objects.filter(user=user).delete()
    Mention.objects.filter(user=user).delete()
    Thread.objects.filter(author=user).update(author=None)
    Thread.objects.filter(hidden_by=user).update(hidden_by=None)
    Thread.objects.filter(locked_by=user).update(locked_by=None)
    Post.objects.filter(author=user).update(author=None)
    Post.objects.filter(hidden_by=user).update(hidden_by=None)
    needles = _needles(subject)
    for model, fields in (
        (Thread, ("title", "hidden_reason")),
        (Post, ("body", "body_html", "hidden_reason")),
        (PostRevision, ("title", "body")),
    ):
        for row in mentioning(model.objects.all(), fields, needles):
            for name in fields:
                setattr(row, name, scrub(getattr(row, name), needles, subject.pseudonym))
            row.save(update_fields=list(fields))


register(
    Holding(
        key="discussions",
        models=(Thread, Post, Follow, Mention),
        export=_export,
        anonymise=_anonymise,
        order=62,
    ),
    Holding(key="discussion_activity", models=(), export=_export_activity),
)
