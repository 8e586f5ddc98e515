"""Forms of access by invitation: inviting, extending, accepting."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeAlias

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from contacts.models import Authority, Organisation, User
from core.dates import guest_until_errors, today
from core.forms import DateInput, add_service_errors, form_field
from spaces.models import Membership

if TYPE_CHECKING:
    from .models import Invitation

INVITATION_DEFAULT_DAYS = 90


def _default_until() -> dt.date:
    return today() + dt.timedelta(days=INVITATION_DEFAULT_DAYS)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), max_length=254)
    first_name = forms.CharField(label=_("Vorname"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nachname"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Rolle"), choices=())
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Die Organisation, für die die Person eingeladen wird."),
        error_messages={"invalid_choice": _("Bitte wählen Sie eine Organisation aus der Liste.")},
    )
    authority = forms.ModelChoiceField(
        label=_("Behörde"),
        queryset=Authority.objects.current(),
        required=False,
        help_text=_("Nur für Mitarbeitende der Verwaltung (Mitglied oder Koordination)."),
        error_messages={"invalid_choice": _("Bitte wählen Sie eine Behörde aus der Liste.")},
    )
    until = forms.DateField(
        label=_("Zugang bis"),
        initial=_default_until,
        widget=DateInput(),
        help_text=_("Höchstens 365 Tage ab heute."),
        error_messages={"invalid": _("Bitte geben Sie ein gültiges Datum an.")},
    )
    message = forms.CharField(
        label=_("Nachricht an die eingeladene Person"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, roles: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = form_field(self, "role", forms.ChoiceField)
        role.choices = [c for c in Membership.Role.choices if c[0] in roles]
        role.initial = Membership.Role.GUEST
        if roles == [Membership.Role.GUEST.value]:
            del self.fields["authority"]

    def clean_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["until"]
        errors = guest_until_errors(until)
        if errors:
            raise forms.ValidationError(errors)
        return until

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("authority") and data.get("organisation"):
            self.add_error(
                "organisation",
                _("Eine Person gehört entweder zu einer Behörde oder zu einer Organisation."),
            )
        if data.get("role") == Membership.Role.GUEST and data.get("authority"):
            self.add_error(
                "authority",
                _(
                    "Gäste sind immer externe Partner: Bitte wählen Sie keine Behörde, sondern "
                    "gegebenenfalls eine Organisation. Mitarbeitende der Verwaltung laden Sie als "
                    "Mitglied ein."
                ),
            )
        staff_roles = (Membership.Role.MEMBER, Membership.Role.COORDINATOR)
        if data.get("role", "") in staff_roles and not data.get("authority"):
            self.add_error(
                "authority",
                _("Mitglieder und Koordination vertreten eine Behörde: bitte wählen Sie sie aus."),
            )
        return data


class InvitationExtendForm(forms.Form):
    until = forms.DateField(
        label=_("Zugang bis"),
        widget=DateInput(),
        help_text=_("Höchstens 365 Tage ab heute."),
        error_messages={"invalid": _("Bitte geben Sie ein gültiges Datum an.")},
    )

    def clean_until(self) -> dt.date:
        until: dt.date = self.cleaned_data["until"]
        errors = guest_until_errors(until)
        if errors:
            raise forms.ValidationError(errors)
        return until


class _ConsentForm(forms.Form):
    accept_terms = forms.BooleanField(
        label=_("Ich akzeptiere die Nutzungsbedingungen."),
        error_messages={"required": _("Bitte akzeptieren Sie die Nutzungsbedingungen.")},
    )
    accept_privacy = forms.BooleanField(
        label=_("Ich habe die Datenschutzerklärung zur Kenntnis genommen."),
        error_messages={
            "required": _("Bitte bestätigen Sie, dass Sie die Datenschutzerklärung kennen.")
        },
    )


class InvitationAcceptSignedInForm(_ConsentForm):
    """The signed-in person only confirms the terms."""

    def service_values(self) -> dict[str, str]:
        return {}

    def show_service_errors(self, error: forms.ValidationError) -> None:
        add_service_errors(self, error)


class InvitationAcceptExistingForm(_ConsentForm):
    password = forms.CharField(
        label=_("Ihr aktuelles Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Zu dieser Adresse gibt es schon ein Konto: bitte bestätigen Sie es."),
    )
    field_order = ("password", "accept_terms", "accept_privacy")

    def service_values(self) -> dict[str, str]:
        return {"password": self.cleaned_data["password"]}

    def show_service_errors(self, error: forms.ValidationError) -> None:
        add_service_errors(self, error)


class InvitationAcceptNewForm(_ConsentForm):
    first_name = forms.CharField(label=_("Vorname"), max_length=150)
    last_name = forms.CharField(label=_("Nachname"), max_length=150)
    password1 = forms.CharField(
        label=_("Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Mindestens 12 Zeichen, kein gängiges Passwort, nicht ähnlich zu Name oder E-Mail."
        ),
    )
    password2 = forms.CharField(
        label=_("Passwort wiederholen"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    field_order = ("first_name", "last_name", "password1", "password2")

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def service_values(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "password": data["password1"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
        }

    def show_service_errors(self, error: forms.ValidationError) -> None:
        """The service checks "password"; here it is the new one (password1)."""
        errors = getattr(error, "error_dict", None)
        if errors and "password" in errors:
            self.add_error("password1", errors.pop("password"))
            if not errors:
                return
        add_service_errors(self, error)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password = data.get("password1")
        if password and data.get("password2") is not None and password != data.get("password2"):
            self.add_error("password2", _("Die beiden Passwörter stimmen nicht überein."))
        elif password:
            candidate = User(
                email=self.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                validate_password(password, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class InvitationActionForm(forms.Form):
    """Resend, revoke, end: confirmed with a button (no fields)."""


AcceptForm: TypeAlias = (
    InvitationAcceptSignedInForm | InvitationAcceptExistingForm | InvitationAcceptNewForm
)


def accept_form(mode: str, data: QueryDict | None, invitation: Invitation) -> AcceptForm:
    """The form for how the invited person accepts (access.selectors.accept_mode)."""
    if mode == "signed_in":
        return InvitationAcceptSignedInForm(data)
    if mode == "existing":
        return InvitationAcceptExistingForm(data)
    return InvitationAcceptNewForm(
        data,
        email=invitation.email,
        initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
    )
