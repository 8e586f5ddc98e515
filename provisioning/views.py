"""The SCIM endpoints: django-scim2's views, with the portal's error bodies.

Every view is wrapped by the token check (provisioning.permissions.TokenCheck, django-scim2's
AUTH_CHECK_MIDDLEWARE) and is exempt from CSRF (a machine with a bearer token, no cookie).
Every error answers with a SCIM error body whose `status` is a string (RFC 7644, 3.12); a
method a resource does not offer answers 405, a feature the portal does not offer (bulk, /Me,
search over all resources) 501.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django_scim import views as scim

from .permissions import scim_error
from .scim import MAX_RESULTS

MESSAGES = {
    404: "No such resource.",
    405: "This method is not supported here.",
    501: "Not supported by this portal.",
}


class _Errors:
    """SCIM error bodies for every answer from 400 on, with the status as a string."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code < 400 or response.status_code == 401:
            return response
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            body = {}
        detail = body.get("detail") or MESSAGES.get(response.status_code, "Request refused.")
        fixed = scim_error(response.status_code, detail, body.get("scimType"))
        if response.has_header("Allow"):
            fixed["Allow"] = response["Allow"]
        return fixed

    def _page(self, request: HttpRequest) -> tuple[int, int]:
        start, count = super()._page(request)  # type: ignore[misc]
        return start, max(0, min(count, MAX_RESULTS))


class Root(_Errors, scim.SCIMView):
    implemented = False


class Users(_Errors, scim.UsersView):
    pass


class UsersSearch(_Errors, scim.UserSearchView):
    pass


class Groups(_Errors, scim.GroupsView):
    pass


class GroupsSearch(_Errors, scim.GroupSearchView):
    pass


class ServiceProviderConfig(_Errors, scim.ServiceProviderConfigView):
    pass


class ResourceTypes(_Errors, scim.ResourceTypesView):
    pass


class Schemas(_Errors, scim.SchemasView):
    pass
