"""Form helpers shared by every app."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext_lazy as _

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
