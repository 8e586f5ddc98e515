"""Form helpers shared by every app."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.forms.utils import ErrorDict
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from .dates import YEAR_MAX, YEAR_MIN
from .money import format_euro, input_number, parse_amount

_F = TypeVar("_F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[_F]) -> _F:
    """The form's field `name` as the kind of field it is declared as, to set its queryset or
    choices (`form.fields` holds plain Fields as far as the type checker knows)."""
    field = form.fields[name]
    assert isinstance(field, kind), f"{name} is a {type(field).__name__}, not a {kind.__name__}"
    return field


class DateInput(forms.DateInput):
    """An HTML date picker; the value travels as ISO 8601 (YYYY-MM-DD)."""

    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PlausibleDateInput(DateInput):
    """The date picker of a project, milestone or budget date: it offers only the years of
    core.dates (YEAR_MIN to YEAR_MAX), which the server checks too."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.attrs.setdefault("min", f"{YEAR_MIN:04d}-01-01")
        self.attrs.setdefault("max", f"{YEAR_MAX:04d}-12-31")


# Said once where amounts are typed (the budget grid, cost rates, the programme budget).
AMOUNT_HELP = _(
    "Beträge in Euro, z. B. 1.234,56: Komma vor den Cent, Punkte zwischen den Tausendern "
    "(auch die englische Schreibweise 1,234.56 wird verstanden)."
)


class AmountInput(forms.TextInput):
    """A number typed in the active language's notation. A stored value is shown with its
    thousands grouped ('92.192,21', '92,192.21'), which MoneyField reads back; what the person
    typed comes back unchanged when the form is shown again with a message."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, places: int = 2) -> None:
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})
        self.places = places

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, str):
            return value
        return input_number(value, self.places)


class MoneyField(forms.Field):
    """A euro amount, the field of every amount the portal takes (core.money.parse_amount: the
    active language's notation, the other one where it is unambiguous): not negative, at most
    two decimals (cents); anything else is refused with a message that explains the notation."""

    widget = AmountInput
    default_error_messages = {
        "invalid": _(
            "Bitte geben Sie einen Betrag in Euro ein, z. B. 1.234,56 (Komma vor den Cent, "
            "Punkte zwischen den Tausendern)."
        ),
        "negative": _("Der Betrag darf nicht negativ sein."),
        "decimals": _(
            "Höchstens zwei Nachkommastellen (Cent). Das Komma trennt die Cent ab, Punkte die "
            "Tausender: 1.000,50 sind tausend Euro und fünfzig Cent."
        ),
        "too_large": _("Der Betrag ist zu groß (höchstens %(most)s)."),
    }

    def __init__(self, *, places: int = 2, max_whole_digits: int = 12, **kwargs: Any) -> None:
        self.places = places
        self.max_whole_digits = max_whole_digits
        kwargs.setdefault("widget", AmountInput(places=places))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            number = value
        else:
            try:
                number = parse_amount(str(value))
            except ValueError as exc:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if number < 0:
            raise ValidationError(self.error_messages["negative"], code="negative")
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -self.places:
            # Written decimals beyond cents, even zeros: "1,000" in German is not a thousand.
            raise ValidationError(self.error_messages["decimals"], code="decimals")
        if number >= Decimal(10) ** self.max_whole_digits:
            most = Decimal(10) ** self.max_whole_digits - Decimal(1).scaleb(-self.places)
            raise ValidationError(
                self.error_messages["too_large"],
                code="too_large",
                params={"most": format_euro(most)},
            )
        return number


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: the POST data of a POST (even an empty one, so that an empty
    post is validated and answered with messages), None for any other method."""
    return request.POST if request.method == "POST" else None


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError at the form's fields (or above the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


PICK_LIMIT = 100  # a choice of people lists at most this many; above, it takes addresses
MAX_KEYS = 500
_ADDRESS_SEPARATORS = re.compile(r"[\s,;]+")


class KeyedPicker(forms.ModelMultipleChoiceField):
    """A choice of several objects: the field's own widget (checkboxes, a list) while the
    candidates are few, and a box for their keys (one per line: e-mail addresses, short names)
    when there are more than PICK_LIMIT, so no page lists every person or project of the city.
    Each key must belong to a candidate; those that do not are named. Call `offer(queryset)`
    in the form's __init__."""

    many = False
    key_field = "pk"
    many_help = _("Geben Sie die gewünschten an, einen je Zeile.")
    # Django merges these along the classes (a subclass names its own keys).
    default_error_messages = {
        "unknown_key": _("Diese Angaben passen zu nichts, was hier gewählt werden kann: %(keys)s")
    }

    def offer(self, queryset: QuerySet[Any], *, limit: int = PICK_LIMIT) -> None:
        """The candidates; one query to learn whether they are few or many."""
        self.queryset = queryset
        self.many = len(queryset.order_by().values_list("pk")[: limit + 1]) > limit
        if self.many:
            self.widget = forms.Textarea(attrs={"rows": 4, "autocomplete": "off"})
            self.widget.is_required = self.required
            self.help_text = self.many_help % {"limit": limit}

    def _keys(self, value: Any) -> list[str]:
        return [a for a in _ADDRESS_SEPARATORS.split(str(value or "")) if a]

    def prepare_value(self, value: Any) -> Any:
        if not self.many:
            return super().prepare_value(value)
        if value is None or isinstance(value, str):
            return value or ""
        keys = [getattr(v, "pk", v) for v in value]
        model = self.queryset.model  # type: ignore[union-attr]
        rows = model._default_manager.filter(pk__in=keys).order_by(self.key_field)
        return "\n".join(str(k) for k in rows.values_list(self.key_field, flat=True))

    def has_changed(self, initial: Any, data: Any) -> bool:
        if not self.many:
            return super().has_changed(initial, data)
        before = {a.casefold() for a in self._keys(self.prepare_value(initial or []))}
        return before != {a.casefold() for a in self._keys(data)}

    def clean(self, value: Any) -> Any:
        if not self.many:
            return super().clean(value)
        addresses = self._keys(value)
        assert self.queryset is not None
        if not addresses:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        if len(addresses) > MAX_KEYS:
            raise ValidationError(
                _("Höchstens %(max)s Angaben auf einmal."), params={"max": MAX_KEYS}
            )
        wanted = {a.casefold() for a in addresses}
        found = dict(
            self.queryset.annotate(_key=Lower(self.key_field))
            .filter(_key__in=wanted)
            .values_list("_key", "pk")
        )
        unknown = [a for a in addresses if a.casefold() not in found]
        if unknown:
            raise ValidationError(
                self.error_messages["unknown_key"],
                code="unknown_key",
                params={"keys": ", ".join(unknown[:10])},
            )
        return self.queryset.filter(pk__in=found.values())


class AddressPicker(KeyedPicker):
    """People by their e-mail addresses when they are many."""

    key_field = "user__email"
    many_help = _(
        "Mehr als %(limit)s Personen kommen infrage: Geben Sie die E-Mail-Adressen der "
        "gewünschten an, eine je Zeile. Adressen finden Sie im Personenverzeichnis."
    )
    default_error_messages = {
        "unknown_key": _(
            "Diese Adressen gehören zu niemandem, der hier gewählt werden kann: %(keys)s"
        )
    }


class ShortNamePicker(KeyedPicker):
    """Projects (or anything with a slug) by their short names when they are many."""

    key_field = "slug"
    many_help = _(
        "Mehr als %(limit)s kommen infrage: Geben Sie die Kurznamen an (der letzte Teil der "
        "Adresse, z. B. digitaler-bauantrag), einen je Zeile."
    )
    default_error_messages = {
        "unknown_key": _("Diese Kurznamen passen zu nichts, was hier gewählt werden kann: %(keys)s")
    }


class StateField(forms.IntegerField):
    """A hidden number the page sends back unchanged (a row's id, the version it was read at).

    Anything else means the page is outdated or was tampered with: the message says so, at the
    top of the form, instead of "enter a whole number" at a field nobody can see.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**31 - 1)
        message = _(
            "Diese Seite ist veraltet oder wurde verändert. Ihre Eingaben wurden nicht "
            "gespeichert: Bitte laden Sie die Seite neu."
        )
        kwargs.setdefault(
            "error_messages", {"invalid": message, "min_value": message, "max_value": message}
        )
        super().__init__(**kwargs)


class PortalFormSet(forms.BaseFormSet):
    """A formset that refuses a management form with a negative count (a tampered page), which
    Django would read as "no rows" and so silently drop the rows."""

    def clean(self) -> None:
        super().clean()
        management = self.management_form
        counts = ("TOTAL_FORMS", "INITIAL_FORMS")
        # The counts are required numbers: valid means present (`or 0` only satisfies the types).
        if management.is_valid() and any((management.cleaned_data[c] or 0) < 0 for c in counts):
            raise ValidationError(
                _(
                    "Diese Seite ist veraltet oder wurde verändert. Ihre Eingaben wurden nicht "
                    "gespeichert: Bitte laden Sie die Seite neu."
                ),
                code="tampered",
            )


ADD_ROW = "add_row"  # the name of a formset's "add a row" button (works without JavaScript)


def add_row_data(request: HttpRequest, prefixes: tuple[str, ...]) -> tuple[QueryDict | None, bool]:
    """The data to bind an editor's formsets to, and whether the person only asked for one more
    row: then the posted rows come back with one more empty row, nothing validated or written.
    The button's value names the formset (its prefix); an unreadable count stays as posted."""
    data = posted(request)
    if data is None or data.get(ADD_ROW) not in prefixes:
        return data, False
    key = f"{data[ADD_ROW]}-TOTAL_FORMS"
    count = data.get(key, "")
    if not count.isdigit():
        return data, False
    more = data.copy()
    more[key] = str(int(count) + 1)
    return more, True


def quiet_formset(formset: forms.BaseFormSet) -> forms.BaseFormSet:
    """A bound formset shown again with what was typed but without errors (one row added):
    its errors are set to none found, so nothing is validated (Django validates on first ask)."""
    # BaseFormSet keeps them in attributes its stub does not declare.
    vars(formset).update(_errors=[], _non_form_errors=formset.error_class())
    for form in formset.forms:
        form._errors = ErrorDict()
        form.cleaned_data = {}
    return formset
