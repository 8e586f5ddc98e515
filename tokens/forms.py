"""The form that makes a token; nothing edits one (owner, scope and expiry are fixed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audiences import Actor
from core.forms import DateInput, form_field
from spaces.models import Space

from . import selectors
from .services import MAX_DAYS, NAME_MAX

READ, WRITE = "read", "write"
DEFAULT_DAYS = 90


class SpacesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        space: Space = obj
        return str(space.name)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Bezeichnung"),
        max_length=NAME_MAX,
        help_text=_("Wofür Sie das Token nutzen, z. B. „Auswertung Projektliste“."),
        error_messages={"required": _("Bitte geben Sie dem Token eine Bezeichnung.")},
    )
    access = forms.ChoiceField(
        label=_("Berechtigung"),
        choices=[
            (READ, _("nur lesen")),
            (WRITE, _("lesen und schreiben")),
        ],
        initial=READ,
        widget=forms.RadioSelect,
        help_text=_("Das Token darf nie mehr als Sie selbst, und dies nur, solange Sie es dürfen."),
        error_messages={
            "required": _("Bitte wählen Sie eine Berechtigung."),
            "invalid_choice": _("Bitte wählen Sie eine Berechtigung."),
        },
    )
    spaces = SpacesField(
        label=_("Auf Digitale Räume beschränken"),
        queryset=Space.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Ohne Auswahl gilt das Token für alles, was Sie sehen dürfen. Zur Auswahl stehen die "
            "Räume, denen Sie angehören."
        ),
        error_messages={
            "invalid_choice": _(
                "Sie können ein Token nur auf Digitale Räume beschränken, denen Sie angehören."
            ),
        },
    )
    expires_on = forms.DateField(
        label=_("Gültig bis einschließlich"),
        widget=DateInput(),
        error_messages={
            "required": _("Bitte geben Sie an, bis wann das Token gelten soll."),
            "invalid": _("Bitte ein Datum angeben, z. B. 31.12.2026."),
        },
    )

    def __init__(self, *args: Any, user: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        latest = today + dt.timedelta(days=MAX_DAYS)
        form_field(self, "spaces", SpacesField).queryset = selectors.space_choices(user)
        expires = form_field(self, "expires_on", forms.DateField)
        expires.initial = today + dt.timedelta(days=DEFAULT_DAYS)
        expires.help_text = _("Höchstens %(days)s Tage, also bis spätestens %(date)s.") % {
            "days": MAX_DAYS,
            "date": latest.strftime("%d.%m.%Y"),
        }
        expires.widget.attrs.update(
            {"min": (today + dt.timedelta(days=1)).isoformat(), "max": latest.isoformat()}
        )

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "can_write": data["access"] == WRITE,
            "spaces": list(data["spaces"]),
            "expires_on": data["expires_on"],
        }


class ConfirmForm(forms.Form):
    """A button to confirm (no fields)."""
