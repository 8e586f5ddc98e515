from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.audiences import Actor

from .security import verify_password


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Ihr Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("Ja, mein Konto soll unwiderruflich anonymisiert werden."),
        error_messages={"required": _("Bitte bestätigen Sie die Löschung.")},
    )

    def __init__(
        self, *args: Any, user: Actor, request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        # The sign-in's lock-out counts here too (LimitExceeded answers 429).
        if not verify_password(self.request, self.user, password):
            raise forms.ValidationError(_("Das Passwort ist nicht richtig."))
        return password


class ProfileForm(forms.Form):
    """What a person keeps current about themselves, and who may see it (Art. 16 DSGVO)."""

    function = forms.CharField(label=_("Funktion"), max_length=200, required=False)
    phone = forms.RegexField(
        label=_("Telefon"),
        max_length=50,
        required=False,
        regex=r"^[0-9+()/ .\-]*$",
        error_messages={
            "invalid": _(
                "Bitte nur Ziffern, Leerzeichen und + ( ) / - verwenden, z. B. +49 40 428 0."
            )
        },
    )
    email_visible_to_guests = forms.BooleanField(
        label=_("Gäste (externe Partner) dürfen meine E-Mail-Adresse sehen"), required=False
    )
    phone_visible_to_guests = forms.BooleanField(
        label=_("Gäste (externe Partner) dürfen meine Telefonnummer sehen"), required=False
    )
    language = forms.ChoiceField(
        label=_("Sprache der E-Mails"),
        required=False,
        choices=[("de", _("Deutsch")), ("en", _("Englisch"))],
        error_messages={"invalid_choice": _("Bitte wählen Sie Deutsch oder Englisch.")},
    )
    named_publicly = forms.BooleanField(
        label=_("Mein Name und meine Funktion dürfen öffentlich genannt werden"),
        required=False,
        help_text=_(
            "Nur als Ansprechperson öffentlicher Projekte, für Besucherinnen und Besucher ohne "
            "Anmeldung. E-Mail und Telefon sind dort nie zu sehen."
        ),
    )
