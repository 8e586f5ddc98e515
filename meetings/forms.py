"""The forms of the meetings: what a coordinator enters, what an invitee answers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Person
from core.forms import AddressPicker
from spaces.models import Space

from . import selectors
from .models import Answer, validate_https_url

# Entered and shown in Europe/Berlin (the active time zone): the browser's date-time picker
# sends ISO 8601 without a zone; a German typist may write 03.03.2026 10:00.
INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _datetime_field(label: str | Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=INPUT_FORMATS,
        widget=DateTimeLocalInput(),
        help_text=_("Ortszeit Hamburg, z. B. 03.03.2026 10:00"),
        error_messages={
            "invalid": _("Bitte Datum und Uhrzeit angeben, z. B. 03.03.2026 10:00."),
            "required": _("Bitte Datum und Uhrzeit angeben."),
        },
    )


class PeopleField(AddressPicker):
    def label_from_instance(self, obj: Any) -> str:
        person: Person = obj
        detail = person.function or ""
        return f"{person} ({detail})" if detail else str(person)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    starts_at = _datetime_field(_("Beginn"))
    ends_at = _datetime_field(_("Ende"))
    place = forms.CharField(
        label=_("Ort"),
        max_length=200,
        required=False,
        help_text=_("Raum und Adresse, oder leer lassen bei einer Videokonferenz."),
    )
    video_url = forms.URLField(
        label=_("Link zur Videokonferenz"),
        max_length=500,
        required=False,
        assume_scheme="https",
        validators=[validate_https_url],
        error_messages={"invalid": _("Bitte einen Link angeben, der mit https:// beginnt.")},
        help_text=_("Ein Link, der mit https:// beginnt."),
    )
    agenda = forms.CharField(
        label=_("Tagesordnung"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    invitees = PeopleField(
        label=_("Eingeladene Personen"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10, "class": "portal-multiselect"}),
        help_text=_(
            "Mitglieder, Koordination und Gäste dieses Raums. Mehrere mit Strg bzw. Cmd wählen."
        ),
        error_messages={
            "invalid_choice": _("Eingeladen werden können nur Personen dieses Raums."),
            "invalid_pk_value": _("Eingeladen werden können nur Personen dieses Raums."),
        },
    )
    invite_all = forms.BooleanField(label=_("Alle Personen des Raums einladen"), required=False)

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        invitees = self.fields["invitees"]
        assert isinstance(invitees, PeopleField)
        invitees.offer(selectors.invitable_people(space))

    def values(self) -> dict[str, Any]:
        """What the services take."""
        data = dict(self.cleaned_data)
        invitees = self.fields["invitees"]
        assert isinstance(invitees, PeopleField)
        assert invitees.queryset is not None
        everyone = data.pop("invite_all", False)
        data["invitees"] = list(invitees.queryset) if everyone else list(data["invitees"])
        return data


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Protokoll"),
        max_length=50000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Einfacher Text; Absätze bleiben erhalten."),
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Meine Antwort"),
        choices=[(a.value, a.label) for a in Answer if a.value],
        error_messages={
            "required": _("Bitte eine Antwort wählen."),
            "invalid_choice": _("Bitte eine Antwort wählen."),
        },
    )


class ConfirmForm(forms.Form):
    """A button to confirm (no fields)."""
