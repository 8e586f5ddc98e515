from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import form_field
from core.text import has_control_chars
from spaces.models import Space

from .providers import PROVIDERS

MAX_QUERY = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Suchbegriff"),
        required=False,
        max_length=MAX_QUERY,
        error_messages={
            "max_length": _(
                "Bitte suchen Sie mit höchstens %(limit_value)d Zeichen (Sie haben "
                "%(show_value)d eingegeben)."
            )
        },
    )
    kind = forms.ChoiceField(
        label=_("Art"),
        required=False,
        error_messages={"invalid_choice": _("Diese Art von Treffern gibt es nicht.")},
    )
    space = forms.ModelChoiceField(
        label=_("Raum"),
        queryset=Space.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=_("alle Räume"),
        error_messages={"invalid_choice": _("Diesen Raum gibt es nicht.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = [("", _("alle Arten")), *((p.key, p.label) for p in PROVIDERS.values())]
        form_field(self, "kind", forms.ChoiceField).choices = kinds

    def clean_q(self) -> str:
        q: str = self.cleaned_data["q"]
        if has_control_chars(q):
            raise forms.ValidationError(_("Der Suchbegriff enthält Steuerzeichen."))
        return q
