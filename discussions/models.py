"""Discussions in a space or on a project: threads with an opening post and replies.

A post keeps its Markdown source and the sanitised HTML rendered from it when it was written
(discussions.markup); an edit keeps the earlier version (PostRevision) for the moderators.
Hidden posts and threads stay in the database with the reason: moderators and ITD read them,
everyone else sees "ausgeblendet".
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.rules import RestrictedQuerySet

TITLE_MAX = 200
BODY_MAX = 20_000
REASON_MAX = 500


class ThreadQuerySet(RestrictedQuerySet["Thread"]):
    """`visible_to(user)`: the threads of the spaces and projects the user discusses in."""


class Thread(models.Model):
    """A discussion with a title, in one space or on one project."""

    space = models.ForeignKey(
        "spaces.Space",
        verbose_name=_("Raum"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
    )
    project = models.ForeignKey(
        "projects.Project",
        verbose_name=_("Projekt"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="threads",
    )
    title = models.CharField(_("Titel"), max_length=TITLE_MAX)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("begonnen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("begonnen am"), default=timezone.now)
    last_post_at = models.DateTimeField(_("letzter Beitrag"), default=timezone.now)
    # Posts including the opening one; the next post's number is post_count + 1.
    post_count = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(_("geschlossen am"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("geschlossen von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("ausgeblendet am"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ausgeblendet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(_("Grund"), max_length=REASON_MAX, blank=True)

    objects = ThreadQuerySet.as_manager()

    # Not stored: what the opening post could not mention (see Post.unresolved_mentions).
    unresolved_mentions: tuple[str, ...] = ()

    class Meta:
        verbose_name = _("Diskussion")
        verbose_name_plural = _("Diskussionen")
        ordering = ("-last_post_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(Q(space__isnull=False) & Q(project__isnull=True))
                | (Q(space__isnull=True) & Q(project__isnull=False)),
                name="thread_in_a_space_or_on_a_project",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="thread_hidden_with_a_reason",
            ),
        ]
        # A space's or a project's threads in the order shown (its page, the newest on the
        # space page), the id included: the newest few are read from the index in order,
        # not sorted from all of the space's threads after joining each.
        indexes = [
            models.Index(fields=("space", "-last_post_at", "-id"), name="thread_space_newest_idx"),
            models.Index(
                fields=("project", "-last_post_at", "-id"), name="thread_project_newest_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("discussions:thread", kwargs={"pk": self.pk})

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def where(self) -> models.Model:
        """The space or the project the thread belongs to."""
        return self.space if self.space_id is not None else self.project  # type: ignore[return-value]


class PostQuerySet(RestrictedQuerySet["Post"]):
    """`visible_to(user)`: the posts of the threads the user may read."""


class Post(models.Model):
    """One contribution to a thread (number 1 opens it); Markdown source and its safe HTML."""

    thread = models.ForeignKey(
        Thread, verbose_name=_("Diskussion"), on_delete=models.CASCADE, related_name="posts"
    )
    number = models.PositiveIntegerField(_("Nummer"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("Text"), max_length=BODY_MAX)
    # Rendered once from `body` (discussions.markup): sanitised, mentions resolved.
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(_("geschrieben am"), default=timezone.now)
    edited_at = models.DateTimeField(_("bearbeitet am"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("ausgeblendet am"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ausgeblendet von"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    hidden_reason = models.CharField(_("Grund"), max_length=REASON_MAX, blank=True)
    # The German text-search vector of `body`, kept by PostgreSQL itself (a trigger, see
    # migration 0003) for the search over many posts; empty under SQLite. Never written here.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    # Not stored: the @handles of the last rendering that mention nobody who reads the thread
    # (unknown, shared by two readers, or someone without access), for the message after posting.
    unresolved_mentions: tuple[str, ...] = ()

    class Meta:
        verbose_name = _("Beitrag")
        verbose_name_plural = _("Beiträge")
        ordering = ("thread", "number")
        constraints = [
            models.UniqueConstraint(fields=("thread", "number"), name="post_number_per_thread"),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="post_hidden_with_a_reason",
            ),
        ]
        # The newest posts (a space's news, the dashboard), in the order they are shown.
        indexes = [models.Index(fields=("-created_at", "-id"), name="post_newest_idx")]

    def __str__(self) -> str:
        return f"{self.thread.title} #{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("discussions:post", kwargs={"pk": self.pk})

    @property
    def anchor(self) -> str:
        return f"beitrag-{self.number}"

    @property
    def is_opening(self) -> bool:
        return self.number == 1

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class PostRevision(models.Model):
    """An earlier version of a post, kept when its author edits it (for the moderators)."""

    post = models.ForeignKey(
        Post, verbose_name=_("Beitrag"), on_delete=models.CASCADE, related_name="revisions"
    )
    # The thread's title at that time, for the opening post ("" for a reply).
    title = models.CharField(_("Titel"), max_length=TITLE_MAX, blank=True)
    body = models.TextField(_("Text"))
    written_at = models.DateTimeField(_("Fassung vom"))
    replaced_at = models.DateTimeField(_("ersetzt am"), default=timezone.now)

    class Meta:
        verbose_name = _("frühere Fassung")
        verbose_name_plural = _("frühere Fassungen")
        ordering = ("post", "-replaced_at", "-id")

    def __str__(self) -> str:
        return f"{self.post} ({self.written_at:%d.%m.%Y %H:%M})"


class Follow(models.Model):
    """A person who hears of new replies to a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Abonnement einer Diskussion")
        verbose_name_plural = _("Abonnements von Diskussionen")
        constraints = [
            models.UniqueConstraint(fields=("thread", "user"), name="follow_once_per_thread")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.thread}"


class Mention(models.Model):
    """A person mentioned in a post (and notified once, however often the post is edited)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Erwähnung")
        verbose_name_plural = _("Erwähnungen")
        constraints = [
            models.UniqueConstraint(fields=("post", "user"), name="mention_once_per_post")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.post}"
