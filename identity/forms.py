"""ITD's form for one rule of the claims table; a rule is added or removed, never edited (the
roles it gave end at the next sign-in when it goes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority
from spaces.models import Space

from .models import NEEDS_AUTHORITY, NEEDS_SPACE, Grants


class ClaimRuleForm(forms.Form):
    claim = forms.CharField(
        label=_("Gruppe im Dienstkonto"),
        max_length=200,
        help_text=_(
            "Genau so, wie der Identitätsanbieter sie sendet, z. B. „fhh-raum-mobilitaet“."
        ),
        error_messages={"required": _("Bitte geben Sie die Gruppe an.")},
    )
    grants = forms.ChoiceField(
        label=_("ergibt die Rolle"),
        choices=Grants.choices,
        error_messages={
            "required": _("Bitte wählen Sie eine Rolle."),
            "invalid_choice": _("Bitte wählen Sie eine Rolle."),
        },
    )
    space = forms.ModelChoiceField(
        label=_("Digitaler Raum"),
        queryset=Space.objects.order_by("position", "name_de"),
        required=False,
        help_text=_("Nur für Koordination und Mitgliedschaft."),
        error_messages={"invalid_choice": _("Diesen Digitalen Raum gibt es nicht.")},
    )
    authority = forms.ModelChoiceField(
        label=_("Behörde"),
        queryset=Authority.objects.order_by("code"),
        required=False,
        help_text=_("Nur für Digitalisierungsverantwortliche, Stellvertretung und die Behörde."),
        error_messages={"invalid_choice": _("Diese Behörde gibt es nicht.")},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        grants = data.get("grants")
        if grants in NEEDS_SPACE and not data.get("space"):
            self.add_error("space", _("Bitte wählen Sie den Digitalen Raum dieser Rolle."))
        if grants in NEEDS_AUTHORITY and not data.get("authority"):
            self.add_error("authority", _("Bitte wählen Sie die Behörde dieser Rolle."))
        return data

    def show_service_errors(self, error: ValidationError) -> None:
        """The model's checks (the same rule twice) name no field of this form: shown above."""
        for message in error.messages:
            self.add_error(None, message)


class ConfirmForm(forms.Form):
    """Removing a rule: nothing to fill in, the button confirms."""


def rule_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "claim": data["claim"],
        "grants": data["grants"],
        "space": data.get("space"),
        "authority": data.get("authority"),
    }
