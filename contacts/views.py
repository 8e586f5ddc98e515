"""Contacts: my profile, my data (export and deletion). The list of authorities links into the
spaces (who represents each authority where), so it is a page of `spaces`."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from core.audiences import SignedInRequest
from core.flows import handle_form
from core.forms import posted
from core.models import SecurityEvent
from core.services import security_log

from . import selectors, services
from .forms import AccountDeleteForm, ProfileForm

MY_DATA_PREVIEW = 20


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: SignedInRequest) -> HttpResponse:
    """My function, phone and who may see my contact details (right to rectification)."""
    person = selectors.own_person(request.user)
    if person is None:
        raise Http404
    initial = {name: getattr(person, name) for name in services.PROFILE_FIELDS}
    form = ProfileForm(posted(request), initial={**initial, "language": request.user.language})
    return handle_form(
        request,
        form,
        save=lambda data: services.person_update_profile(actor=request.user, person=person, **data),
        success=lambda _person: "contacts:my_profile",
        message=_("Ihr Profil wurde gespeichert."),
        template="contacts/person_profile_form.html",
        context={"person": person},
    )


@never_cache
@login_required
@require_safe
def my_data(request: SignedInRequest) -> HttpResponse:
    """What the portal stores about me (Art. 15 DSGVO), with download and deletion."""
    data = selectors.personal_data(request.user)
    return render(request, "contacts/my_data.html", {"data": data, "preview": MY_DATA_PREVIEW})


@never_cache
@login_required
@require_http_methods(["GET"])
def my_data_export(request: SignedInRequest) -> HttpResponse:
    data = selectors.personal_data(request.user)
    security_log(kind=SecurityEvent.Kind.DATA_EXPORT, user=request.user, request=request)
    data["exported_at"] = timezone.now().isoformat()
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="meine-daten-{stamp}.json"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def my_data_delete(request: SignedInRequest) -> HttpResponse:
    """Confirm with the password; the account is signed out, then anonymised."""
    form = AccountDeleteForm(posted(request), user=request.user, request=request)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "contacts/my_data_delete.html", {"form": form}, status=status)
    user = request.user
    # Signed out first, so that nothing logged afterwards still names the person.
    logout(request)
    services.user_anonymise(actor=user, user=user, reason="request", request=request)
    messages.success(
        request,
        _("Ihr Konto wurde gelöscht: Name und Kontaktdaten sind entfernt, Sie sind abgemeldet."),
    )
    return redirect("home")
