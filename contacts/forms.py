from django import forms
from django.utils.translation import gettext_lazy as _

from spaces.models import Space

from .models import Authority, Organisation
from .security import verify_password


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


# --- Invitations ---------------------------------------------------------------------------


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _default_until():
    import datetime as dt

    from .models import today
    from .services import INVITATION_DEFAULT_DAYS

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
        widget=_DateInput(),
        help_text=_("Höchstens 365 Tage ab heute."),
        error_messages={"invalid": _("Bitte geben Sie ein gültiges Datum an.")},
    )
    message = forms.CharField(
        label=_("Nachricht an die eingeladene Person"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, roles: list[str], **kwargs):
        from spaces.models import Membership

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [c for c in Membership.Role.choices if c[0] in roles]
        self.fields["role"].initial = Membership.Role.GUEST
        if roles == [Membership.Role.GUEST.value]:
            del self.fields["authority"]

    def clean_until(self):
        from .services import invitation_until_errors

        until = self.cleaned_data["until"]
        errors = invitation_until_errors(until)
        if errors:
            raise forms.ValidationError(errors)
        return until

    def clean(self):
        from spaces.models import Membership

        data = super().clean()
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
        if data.get("role") in staff_roles and not data.get("authority"):
            self.add_error(
                "authority",
                _("Mitglieder und Koordination vertreten eine Behörde: bitte wählen Sie sie aus."),
            )
        return data


class InvitationExtendForm(forms.Form):
    until = forms.DateField(
        label=_("Zugang bis"),
        widget=_DateInput(),
        help_text=_("Höchstens 365 Tage ab heute."),
        error_messages={"invalid": _("Bitte geben Sie ein gültiges Datum an.")},
    )

    def clean_until(self):
        from .services import invitation_until_errors

        until = self.cleaned_data["until"]
        errors = invitation_until_errors(until)
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


class InvitationAcceptExistingForm(_ConsentForm):
    password = forms.CharField(
        label=_("Ihr aktuelles Passwort"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Zu dieser Adresse gibt es schon ein Konto: bitte bestätigen Sie es."),
    )
    field_order = ("password", "accept_terms", "accept_privacy")


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

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        from django.contrib.auth.password_validation import validate_password

        from .models import User

        data = super().clean()
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

    def __init__(self, *args, user, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.request = request

    def clean_password(self):
        password = self.cleaned_data["password"]
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
    named_publicly = forms.BooleanField(
        label=_("Mein Name und meine Funktion dürfen öffentlich genannt werden"),
        required=False,
        help_text=_(
            "Nur als Ansprechperson öffentlicher Projekte, für Besucherinnen und Besucher ohne "
            "Anmeldung. E-Mail und Telefon sind dort nie zu sehen."
        ),
    )
