"""The forms of the discussions: a new thread, a reply, an edit, a moderator's reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX, REASON_MAX, TITLE_MAX

BODY_HELP = _(
    "Markdown: **fett**, _kursiv_, `Code`, > Zitat, Listen mit - oder 1., Links als "
    "[Text](https://…). HTML wird als Text gezeigt. Erwähnen Sie jemanden mit "
    "@vorname.nachname."
)


def _too_long(limit: int) -> Any:
    """The message, in the language of the request (Django fills in show_value)."""

    def message() -> str:
        return gettext("Höchstens %(limit)s Zeichen (Ihr Text hat %%(show_value)s).") % {
            "limit": number_format(limit, force_grouping=True)
        }

    return lazy(message, str)()


def body_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Text"),
        max_length=BODY_MAX,
        help_text=BODY_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Bitte schreiben Sie einen Text."),
            "max_length": _too_long(BODY_MAX),
        },
    )


def title_field() -> forms.CharField:
    return forms.CharField(
        label=_("Titel"),
        max_length=TITLE_MAX,
        error_messages={
            "required": _("Bitte geben Sie einen Titel ein."),
            "max_length": _too_long(TITLE_MAX),
        },
    )


class ThreadForm(forms.Form):
    title = title_field()
    body = body_field()


class ReplyForm(forms.Form):
    body = body_field(_("Ihre Antwort"))


class PostEditForm(forms.Form):
    """The opening post's form has the thread's title as well."""

    title = title_field()
    body = body_field()

    def __init__(self, *args: Any, opening: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not opening:
            del self.fields["title"]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Grund"),
        max_length=REASON_MAX,
        help_text=_("Sichtbar für die Moderation und das ITD, nicht für die anderen Mitglieder."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _(
                "Bitte nennen Sie den Grund: Er ist für die Moderation und das ITD sichtbar."
            ),
            "max_length": _too_long(REASON_MAX),
        },
    )
