"""The forms with which ITD edits a text, records a sign-off and uploads a video, and the
button with which anyone asks for a translation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import validate_plausible_date
from core.forms import PlausibleDateInput

from .models import Kind


class EasyTextForm(forms.Form):
    title = forms.CharField(label=_("Überschrift"), max_length=120)
    body = forms.CharField(
        label=_("Text in Leichter Sprache"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "Absätze mit einer leeren Zeile trennen; eine Zeile, die mit „- “ beginnt, ist ein "
            "Listen-Punkt."
        ),
    )


class SignOffForm(forms.Form):
    readers = forms.CharField(
        label=_("Prüf-Lesende"),
        max_length=300,
        help_text=_("Namen oder Gruppe, z. B. „Prüfgruppe des Büros für Leichte Sprache“."),
    )
    checked_on = forms.DateField(
        label=_("geprüft am"), widget=PlausibleDateInput, validators=[validate_plausible_date]
    )


class VideoForm(forms.Form):
    video = forms.FileField(
        label=_("Video (MP4 oder WebM)"),
        required=False,
        help_text=_("Mindestens 320 × 240 Pixel und 25 Bilder je Sekunde."),
    )
    captions = forms.FileField(label=_("Untertitel (WebVTT-Datei)"), required=False)
    transcript = forms.CharField(
        label=_("Transkript"), max_length=20_000, required=False, widget=forms.Textarea
    )


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=Kind.choices)
    path = forms.CharField(max_length=200)
