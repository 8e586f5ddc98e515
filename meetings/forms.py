"""The forms of the meetings: what a coordinator enters (with the files of the agenda and the
minutes), what an invitee answers. The files are checked once more by the services (name,
size, type from the content: core.uploads), so a bypassed form changes nothing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from contacts.models import Person
from core.filetypes import ALLOWED_EXTENSIONS, ALLOWED_LABEL, size_label
from core.forms import AddressPicker
from core.uploads import too_large_message
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


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Any number of files at once (none: an empty list)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ",".join(f".{e}" for e in ALLOWED_EXTENSIONS)}),
        )
        super().__init__(required=False, allow_empty_file=False, max_length=200, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(FilesField, self).clean(f, initial) for f in files if f]


def _files_help() -> str:
    return gettext("Erlaubt: %(allowed)s; höchstens %(max)s je Datei. Mehrere auf einmal.") % {
        "allowed": ALLOWED_LABEL,
        "max": size_label(settings.DOCUMENT_MAX_SIZE),
    }


class _WithFiles(forms.Form):
    """A form with a FilesField: a file skipped while it streamed in for its size
    (core.uploads.refused_uploads) is named at the field, never silently missing."""

    def __init__(self, *args: Any, refused: set[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused = refused or set()
        for field in self.fields.values():
            if isinstance(field, FilesField):
                field.help_text = _files_help()

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        for name in self.refused & set(self.fields):
            self.add_error(name, too_large_message())


class PeopleField(AddressPicker):
    def label_from_instance(self, obj: Any) -> str:
        person: Person = obj
        detail = person.function or ""
        return f"{person} ({detail})" if detail else str(person)


class MeetingForm(_WithFiles):
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
    agenda_files = FilesField(label=_("Unterlagen zur Tagesordnung hinzufügen"))
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


class MinutesForm(_WithFiles):
    minutes = forms.CharField(
        label=_("Protokoll"),
        max_length=50000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Einfacher Text; Absätze bleiben erhalten."),
    )
    minutes_files = FilesField(label=_("Dateien zum Protokoll hinzufügen"))


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
