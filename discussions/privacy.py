"""What the discussions hold about a person: the threads and posts they wrote (with earlier
versions), what they moderated, the threads they follow and where they were mentioned.

Deleting the account keeps the discussion readable for the others (a reply answers a post):
the posts stay without an author, and the person's name in every spelling, address and phone,
and their @mention, are replaced by the pseudonym in every post, version and title (in their
own posts and the threads they took part in, the first or last name alone too).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.personal_data import Holding, Subject, redact_rows, register

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


def _anonymise(subject: Subject) -> None:
    user = subject.user
    handle = handle_for(subject.first_name or "", subject.last_name or "")
    if handle:
        # The mention key ("@juergen.gross-aepfelbaum") is one more spelling of the name.
        subject.add_needles(f"@{handle}")
    # Before the posts lose their author: in the person's own posts and in the threads they
    # took part in, the first or last name alone is theirs as well ("Danke, Jürgen").
    took_part = Post.objects.filter(author=user).values("thread_id")
    redact_rows(
        Thread.objects.all(),
        ("title", "hidden_reason"),
        subject,
        own=Q(author=user) | Q(pk__in=took_part),
    )
    redact_rows(
        Post.objects.all(),
        ("body", "body_html", "hidden_reason"),
        subject,
        own=Q(author=user) | Q(thread_id__in=took_part),
    )
    redact_rows(
        PostRevision.objects.all(),
        ("title", "body"),
        subject,
        own=Q(post__author=user) | Q(post__thread_id__in=took_part),
    )
    Follow.objects.filter(user=user).delete()
    Mention.objects.filter(user=user).delete()
    Thread.objects.filter(author=user).update(author=None)
    Thread.objects.filter(hidden_by=user).update(hidden_by=None)
    Thread.objects.filter(locked_by=user).update(locked_by=None)
    Post.objects.filter(author=user).update(author=None)
    Post.objects.filter(hidden_by=user).update(hidden_by=None)


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
