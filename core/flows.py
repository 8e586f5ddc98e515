"""The one loop every form page runs: GET shows the form; POST validates it, calls a service;
the service's ValidationError is shown at the fields (400); success redirects with a message.

Views stay thin: they load the object through its scope, build the form, and hand both the
service call and the success message to `handle_form`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render

from .forms import add_service_errors

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

T = TypeVar("T")


def handle_form(
    request: HttpRequest,
    form: forms.BaseForm | Any,
    *,
    save: Callable[[dict[str, Any]], T],
    success: Callable[[T], str | HttpResponse],
    message: Callable[[T], StrOrPromise] | StrOrPromise,
    template: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """`save(cleaned_data)` calls the service; `success(result)` names where to go next (or is
    the response, e.g. a sign-in); `message` is the success message (or makes it from the
    result)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            # Formsets and composite forms show row errors themselves.
            show = getattr(form, "show_service_errors", None)
            if show is not None:
                show(error)
            else:
                add_service_errors(form, error)
        else:
            text = message(result) if callable(message) else message
            messages.success(request, str(text))
            target = success(result)
            return target if isinstance(target, HttpResponseBase) else redirect(target)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**(context or {}), "form": form}, status=status)
