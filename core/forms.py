"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

from .dates import YEAR_MAX, YEAR_MIN

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
