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
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
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

    @method_decorator(csrf_exempt)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        if response.status_code < 400:
            return _projected(request, _with_totals(response))
        if response.status_code == 401:
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


def _with_totals(response: HttpResponse) -> HttpResponse:
    """django-scim2's lists of resource types and schemas lack the counts a ListResponse must
    carry (RFC 7644, 3.4.2)."""
    if response.status_code != 200 or b"ListResponse" not in response.content[:200]:
        return response
    body = json.loads(response.content)
    if "totalResults" in body:
        return response
    resources = body.get("Resources", [])
    body.update(totalResults=len(resources), itemsPerPage=len(resources), startIndex=1)
    response.content = json.dumps(body).encode()
    return response


ALWAYS = {"id", "schemas", "meta"}  # returned whatever is asked (RFC 7643, 2.4)


def _names(value: Any) -> set[str]:
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    return {n.strip().lower() for n in str(value or "").split(",") if n.strip()}


def _project(resource: dict[str, Any], include: set[str], exclude: set[str]) -> dict[str, Any]:
    """`attributes` / `excludedAttributes` (RFC 7644, 3.4.2.5), by top-level attribute or by
    `attribute.subAttribute`; the core schema's URN prefix may be given."""
    include = {n.rsplit(":", 1)[-1] for n in include}
    exclude = {n.rsplit(":", 1)[-1] for n in exclude}
    result: dict[str, Any] = {}
    for key, value in resource.items():
        name = key.lower()
        if name in ALWAYS:
            result[key] = value
            continue
        subs_in = {n.split(".", 1)[1] for n in include if n.startswith(name + ".")}
        subs_out = {n.split(".", 1)[1] for n in exclude if n.startswith(name + ".")}
        if include and name not in include and not subs_in:
            continue
        if name in exclude:
            continue
        if isinstance(value, dict) and (subs_in or subs_out):
            value = {
                k: v
                for k, v in value.items()
                if (not subs_in or k.lower() in subs_in) and k.lower() not in subs_out
            }
        result[key] = value
    return result


def _projected(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    include = _names(request.GET.get("attributes"))
    exclude = _names(request.GET.get("excludedAttributes"))
    if request.method == "POST" and request.path.endswith("/.search"):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        include |= _names(body.get("attributes"))
        exclude |= _names(body.get("excludedAttributes"))
    if not (include or exclude) or not response.content:
        return response
    body = json.loads(response.content)
    if "Resources" in body:
        body["Resources"] = [_project(r, include, exclude) for r in body["Resources"]]
    else:
        body = _project(body, include, exclude)
    response.content = json.dumps(body).encode()
    return response


class Root(_Errors, scim.SCIMView):  # type: ignore[misc]
    implemented = False


class Users(_Errors, scim.UsersView):  # type: ignore[misc]
    pass


class UsersSearch(_Errors, scim.UserSearchView):  # type: ignore[misc]
    pass


class Groups(_Errors, scim.GroupsView):  # type: ignore[misc]
    pass


class GroupsSearch(_Errors, scim.GroupSearchView):  # type: ignore[misc]
    pass


class ServiceProviderConfig(_Errors, scim.ServiceProviderConfigView):  # type: ignore[misc]
    pass


class ResourceTypes(_Errors, scim.ResourceTypesView):  # type: ignore[misc]
    pass


class Schemas(_Errors, scim.SchemasView):  # type: ignore[misc]
    pass


class Unknown(_Errors, scim.SCIMView):  # type: ignore[misc]
    """Any other address under /scim/v2/: a SCIM 404, not the portal's page."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def _not_found(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return scim_error(404, MESSAGES[404])

    get = post = put = patch = delete = _not_found
