from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import Space

from .models import Authority


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label=_("Name oder Funktion"), required=False, max_length=100)
    authority = forms.ModelChoiceField(
        label=_("Behörde"),
        queryset=Authority.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("alle Behörden"),
        error_messages={"invalid_choice": _("Diese Behörde gibt es nicht.")},
    )
    space = forms.ModelChoiceField(
        label=_("Digitaler Raum"),
        queryset=Space.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Räume"),
        error_messages={"invalid_choice": _("Diesen Raum gibt es nicht.")},
    )
