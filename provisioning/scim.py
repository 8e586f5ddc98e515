"""The SCIM 2.0 side of provisioning (RFC 7643/7644), plugged into django-scim2.

django-scim2 gives the views (routing, errors as SCIM error bodies, lists and paging, the
filter parser, the discovery endpoints); what it leaves partial or silent is done here:

- the resources are `ScimUser` and `ScimGroup` (provisioning.models), not Django's own models,
  and every write goes through provisioning.services;
- a request is checked strictly: an attribute the schema does not name (at any level), a
  schema extension, a wrong type or a second e-mail address is refused with 400, nothing
  changed (django-scim2 ignores unknown attributes silently);
- PATCH works on the whole representation: the operations are applied to the resource as the
  portal holds it, the result is checked like a PUT and saved in one transaction (simple paths,
  sub-attributes, `emails[type eq "work"].value`, `members[value eq "..."]`);
- a filter naming an unknown attribute is refused (400 invalidFilter) instead of being dropped;
- the discovery endpoints publish only what the portal supports.
"""

from __future__ import annotations

import copy
import re
from typing import Any
from urllib.parse import urljoin

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.urls import reverse
from django_scim import constants, exceptions
from django_scim.adapters import SCIMMixin

from . import services
from .models import ScimGroup, ScimUser
from .services import ProvisioningError, UserData

USER_URN = constants.SchemaURI.USER
GROUP_URN = constants.SchemaURI.GROUP
ERROR_URN = constants.SchemaURI.ERROR
MAX_RESULTS = 200


def error(detail: str, *, status: int = 400, scim_type: str | None = None) -> Exception:
    refused: Exception = exceptions.SCIMException(detail, status=status, scim_type=scim_type)
    return refused


def base_location(request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> str:
    """The portal's own address as the request reached it (ALLOWED_HOSTS checked the host)."""
    return request.build_absolute_uri("/") if request is not None else "/"


# --- Strict reading of a resource ------------------------------------------------------------

# Attribute -> sub-attributes (None: a simple attribute). Read-only ones are accepted and
# ignored, as RFC 7644 (3.5.1) asks; everything else is refused.
USER_SCHEMA: dict[str, set[str] | None] = {
    "username": None,
    "name": {"givenname", "familyname", "formatted"},
    "displayname": None,
    "emails": {"value", "type", "primary"},
    "active": None,
    "externalid": None,
}
GROUP_SCHEMA: dict[str, set[str] | None] = {
    "displayname": None,
    "members": {"value", "$ref", "display", "type"},
    "externalid": None,
}
READ_ONLY = {"id", "meta", "groups", "schemas"}
# emails.primary, name.formatted and members.display are accepted (some IdMs send them) and
# ignored: the portal keeps one address, composes the name itself, names a member by its id.


def _lower_keys(data: Any, schema_urn: str) -> dict[str, Any]:
    """The attributes by their lower-case names (SCIM names are case-insensitive), the core
    schema's URN prefix removed; a foreign URN (an extension) is refused."""
    if not isinstance(data, dict):
        raise error("The body must be a JSON object.", scim_type="invalidSyntax")
    result: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key)
        if name.lower().startswith(schema_urn.lower() + ":"):
            name = name[len(schema_urn) + 1 :]
        elif name.lower().startswith("urn:"):
            raise error(f"Schema extension not supported: {name}", scim_type="invalidSyntax")
        result[name.lower()] = value
    return result


def check_attributes(data: dict[str, Any], schema: dict[str, set[str] | None], urn: str) -> None:
    schemas = data.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or set(schemas) != {urn}):
        raise error(
            f"schemas must be [{urn!r}]; extensions are not supported.", scim_type="invalidSyntax"
        )
    for name, value in data.items():
        if name in READ_ONLY:
            continue
        if name not in schema:
            raise error(f"Unknown attribute: {name}", scim_type="invalidSyntax")
        subs = schema[name]
        if subs is None or value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            if not isinstance(item, dict):
                raise error(f"{name} must hold objects.", scim_type="invalidValue")
            unknown = {k.lower() for k in item} - subs
            if unknown:
                raise error(
                    f"Unknown attribute: {name}.{sorted(unknown)[0]}", scim_type="invalidSyntax"
                )


def _text(value: Any, name: str, *, max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise error(f"{name} must be a string.", scim_type="invalidValue")
    value = value.strip()
    if len(value) > max_length:
        raise error(f"{name} is longer than {max_length} characters.", scim_type="invalidValue")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise error(f"{name} contains control characters.", scim_type="invalidValue")
    return str(value)


def _bool(value: Any, name: str) -> bool:
    # Some IdMs (Entra ID) send "True"/"False" as strings in PATCH.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise error(f"{name} must be true or false.", scim_type="invalidValue")
    return value


def _lower(item: dict[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in item.items()}


def _email(data: dict[str, Any], user_name: str) -> str:
    emails = data.get("emails") or []
    if not isinstance(emails, list):
        raise error("emails must be a list.", scim_type="invalidValue")
    if len(emails) > 1:
        raise error("The portal keeps one e-mail address per user.", scim_type="invalidValue")
    if emails:
        item = _lower(emails[0])
        if item.get("type") not in (None, "work"):
            raise error('emails.type must be "work".', scim_type="invalidValue")
        address = _text(item.get("value"), "emails.value", max_length=254)
    else:
        address = user_name
    try:
        validate_email(address)
    except ValidationError:
        raise error(
            "A user needs an e-mail address (emails, or a userName that is one).",
            scim_type="invalidValue",
        ) from None
    return address


def user_data(raw: Any, *, current: ScimUser | None) -> UserData:
    data = _lower_keys(raw, USER_URN)
    check_attributes(data, USER_SCHEMA, USER_URN)
    user_name = _text(data.get("username"), "userName", max_length=254)
    if not user_name:
        raise error("userName is required.", scim_type="invalidValue")
    name = _lower(data.get("name") or {})
    active = data.get("active")
    return UserData(
        user_name=user_name,
        email=_email(data, user_name),
        given_name=_text(name.get("givenname"), "name.givenName", max_length=150),
        family_name=_text(name.get("familyname"), "name.familyName", max_length=150),
        active=(current.user.is_active if current else True)
        if active is None
        else _bool(active, "active"),
        external_id=_text(data.get("externalid"), "externalId", max_length=255),
    )


# --- PATCH (RFC 7644, 3.5.2) -----------------------------------------------------------------

PATH = re.compile(
    r'^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<fattr>[\w$]+)\s+eq\s+"(?P<fvalue>[^"]*)"\])?'
    r"(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$",
    re.IGNORECASE,
)


def _matches(item: Any, fattr: str, fvalue: str) -> bool:
    return isinstance(item, dict) and str(_lower(item).get(fattr.lower())) == fvalue


def apply_operations(resource: dict[str, Any], operations: Any, urn: str) -> dict[str, Any]:
    """Apply PATCH operations to a resource held as a dict of lower-case attribute names."""
    if not isinstance(operations, list) or not operations:
        raise error("PATCH needs a list of Operations.", scim_type="invalidSyntax")
    result = copy.deepcopy(resource)
    for operation in operations:
        if not isinstance(operation, dict):
            raise error("Each operation must be an object.", scim_type="invalidSyntax")
        op = str(operation.get("op", "")).lower()
        if op not in constants.VALID_PATCH_OPS:
            raise error(f"Unknown PATCH op {operation.get('op')!r}.", scim_type="invalidSyntax")
        path = operation.get("path")
        value = operation.get("value")
        if not path:
            if op == "remove":
                raise error("remove needs a path.", scim_type="noTarget")
            for name, item in _lower_keys(value, urn).items():
                _apply(result, op, name, None, None, None, item)
            continue
        if str(path).lower().startswith(urn.lower() + ":"):
            path = str(path)[len(urn) + 1 :]
        match = PATH.match(str(path))
        if match is None:
            raise error(f"Path not supported: {path}", scim_type="invalidPath")
        _apply(
            result,
            op,
            match["attr"].lower(),
            match["fattr"],
            match["fvalue"],
            (match["sub"] or "").lower() or None,
            value,
        )
    return result


def _apply(
    result: dict[str, Any],
    op: str,
    attr: str,
    fattr: str | None,
    fvalue: str | None,
    sub: str | None,
    value: Any,
) -> None:
    if fattr is not None:
        _apply_filtered(result, op, attr, fattr, fvalue or "", sub, value)
    elif sub is not None:  # attr.sub
        current = result.get(attr)
        holder: dict[str, Any] = current if isinstance(current, dict) else {}
        if op == "remove":
            holder.pop(sub, None)
        else:
            holder[sub] = value
        result[attr] = holder
    elif op == "remove":
        _remove(result, attr, value)
    else:
        _add_or_replace(result, op, attr, value)


def _apply_filtered(
    result: dict[str, Any],
    op: str,
    attr: str,
    fattr: str,
    fvalue: str,
    sub: str | None,
    value: Any,
) -> None:
    """attr[fattr eq "fvalue"](.sub)"""
    current = result.get(attr)
    items: list[Any] = current if isinstance(current, list) else []
    chosen = [i for i in items if _matches(i, fattr, fvalue)]
    if op == "remove":
        if sub is None:
            result[attr] = [i for i in items if i not in chosen]
        for item in chosen if sub is not None else []:
            item.pop(sub, None)
        return
    if not chosen:
        if op == "replace" and not items:
            raise error(f"No value of {attr} matches the filter.", scim_type="noTarget")
        chosen = [{fattr.lower(): fvalue}]
        items.append(chosen[0])
        result[attr] = items
    for item in chosen:
        if sub is not None:
            item[sub] = value
        elif isinstance(value, dict):
            item.update(_lower(value))
        else:
            raise error(f"{attr} takes objects.", scim_type="invalidValue")


def _remove(result: dict[str, Any], attr: str, value: Any) -> None:
    current = result.get(attr)
    if isinstance(current, list) and isinstance(value, list):  # members with their values
        drop = {str(_lower(v).get("value")) for v in value if isinstance(v, dict)}
        result[attr] = [i for i in current if str(_lower(i).get("value")) not in drop]
    else:
        result.pop(attr, None)


def _add_or_replace(result: dict[str, Any], op: str, attr: str, value: Any) -> None:
    current = result.get(attr)
    if op == "add" and isinstance(current, list):
        new = value if isinstance(value, list) else [value]
        seen = {str(_lower(i).get("value")) for i in current if isinstance(i, dict)}
        result[attr] = current + [
            v for v in new if not (isinstance(v, dict) and str(_lower(v).get("value")) in seen)
        ]
    elif isinstance(value, dict) and isinstance(current, dict) and op == "add":
        result[attr] = {**current, **_lower(value)}
    elif isinstance(value, dict) and attr == "name":
        result[attr] = _lower(value)
    else:
        result[attr] = value


# --- Adapters ----------------------------------------------------------------------------------


def _scim_error(exc: ProvisioningError) -> Exception:
    return error(exc.message, status=exc.status, scim_type=exc.kind)


class _Adapter(SCIMMixin):  # type: ignore[misc]
    id_field = "scim_id"
    obj: Any

    @property
    def path(self) -> str:
        return reverse(self.url_name, kwargs={"uuid": self.id})

    @property
    def location(self) -> str:
        return urljoin(base_location(self.request), self.path)

    @classmethod
    def resource_type_dict(cls, request: HttpRequest | None = None) -> dict[str, Any]:
        path = reverse("provisioning:resource-types", kwargs={"uuid": cls.resource_type})
        return {
            "schemas": [constants.SchemaURI.RESOURCE_TYPE],
            "id": cls.resource_type,
            "name": cls.resource_type,
            "endpoint": "/" + cls.resource_type + "s",  # relative to /scim/v2
            "description": cls.description,
            "schema": cls.schema_urn,
            "schemaExtensions": [],
            "meta": {
                "location": urljoin(base_location(request), path),
                "resourceType": "ResourceType",
            },
        }

    def _meta(self, created: Any, modified: Any) -> dict[str, Any]:
        return {
            "resourceType": self.resource_type,
            "created": created.isoformat(),
            "lastModified": modified.isoformat(),
            "location": self.location,
        }

    def validate_dict(self, d: Any) -> None:
        self._raw = d

    def handle_operations(self, operations: Any) -> None:
        resource = _lower_keys(self.to_dict(), self.schema_urn)
        self.from_dict(apply_operations(resource, operations, self.schema_urn))
        self.save()


class UserAdapter(_Adapter):
    url_name = "provisioning:users"
    resource_type = "User"
    description = "Ein Konto des Portals / a portal account"
    schema_urn = USER_URN
    obj: ScimUser

    def to_dict(self) -> dict[str, Any]:
        user = self.obj.user
        result: dict[str, Any] = {
            "schemas": [USER_URN],
            "id": self.id,
            "userName": self.obj.user_name,
            "name": {
                key: value
                for key, value in (("givenName", user.first_name), ("familyName", user.last_name))
                if value
            },
            "displayName": user.get_full_name() or self.obj.user_name,
            "emails": [{"value": user.email, "type": "work"}],
            "active": user.is_active,
            "groups": [
                {
                    "value": group.scim_id,
                    "$ref": urljoin(
                        base_location(self.request),
                        reverse("provisioning:groups", kwargs={"uuid": group.scim_id}),
                    ),
                    "display": group.display_name,
                }
                for group in self.obj.groups.order_by("display_name")
            ],
            "meta": self._meta(self.obj.created_at, self.obj.updated_at),
        }
        if self.obj.external_id:
            result["externalId"] = self.obj.external_id
        # An unassigned attribute is left out (RFC 7643, 2.5).
        return {k: v for k, v in result.items() if v not in ({}, [])}

    def from_dict(self, d: Any) -> None:
        self._data = user_data(d, current=self.obj if self.obj.pk else None)

    def save(self) -> None:
        try:
            if self.obj.pk is None:
                self.obj = services.user_provision(data=self._data)
            else:
                self.obj = services.user_update(scim_user=self.obj, data=self._data)
        except ProvisioningError as exc:
            raise _scim_error(exc) from exc
        self.obj.refresh_from_db()

    def delete(self) -> None:
        services.user_delete(scim_user=self.obj)


class GroupAdapter(_Adapter):
    url_name = "provisioning:groups"
    resource_type = "Group"
    description = "Eine Gruppe des Dienstkontos / a group of the staff account"
    schema_urn = GROUP_URN
    obj: ScimGroup

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "schemas": [GROUP_URN],
            "id": self.id,
            "displayName": self.obj.display_name,
            "members": [
                {
                    "value": member.scim_id,
                    "$ref": urljoin(
                        base_location(self.request),
                        reverse("provisioning:users", kwargs={"uuid": member.scim_id}),
                    ),
                    "type": "User",
                }
                for member in self.obj.members.filter(deleted_at__isnull=True).order_by("user_name")
            ]
            if self.obj.pk
            else [],
            "meta": self._meta(self.obj.created_at, self.obj.updated_at),
        }
        if self.obj.external_id:
            result["externalId"] = self.obj.external_id
        return {k: v for k, v in result.items() if v != []}

    def from_dict(self, d: Any) -> None:
        data = _lower_keys(d, GROUP_URN)
        check_attributes(data, GROUP_SCHEMA, GROUP_URN)
        self._name = _text(data.get("displayname"), "displayName", max_length=200)
        if not self._name:
            raise error("displayName is required.", scim_type="invalidValue")
        self._external_id = _text(data.get("externalid"), "externalId", max_length=255)
        # PUT replaces the whole group (RFC 7644, 3.5.1): no members, no members.
        members = data.get("members") or []
        self._members: list[ScimUser] | None = None
        if members is not None:
            if not isinstance(members, list):
                raise error("members must be a list.", scim_type="invalidValue")
            ids = [str(_lower(m).get("value", "")) for m in members]
            found = {u.scim_id: u for u in ScimUser.objects.filter(scim_id__in=ids)}
            missing = [i for i in ids if i not in found]
            if missing:
                raise error(f"No such user: {missing[0]}", scim_type="invalidValue")
            self._members = list(found.values())

    def save(self) -> None:
        try:
            self.obj = services.group_save(
                group=self.obj,
                display_name=self._name,
                external_id=self._external_id,
                members=self._members,
            )
        except ProvisioningError as exc:
            raise _scim_error(exc) from exc
        self.obj.refresh_from_db()

    def delete(self) -> None:
        services.group_delete(group=self.obj)


# --- Discovery ---------------------------------------------------------------------------------


class ServiceProviderConfig:
    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    def to_dict(self) -> dict[str, Any]:
        path = reverse("provisioning:service-provider-config")
        return {
            "schemas": [constants.SchemaURI.SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": False},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "description": "A token of the portal's SCIM_TOKEN_DIGESTS, as "
                    "'Authorization: Bearer <token>'.",
                    "primary": True,
                }
            ],
            "meta": {
                "location": urljoin(base_location(self.request), path),
                "resourceType": "ServiceProviderConfig",
            },
        }


def _attribute(name: str, **options: Any) -> dict[str, Any]:
    attribute = {
        "name": name,
        "type": "string",
        "multiValued": False,
        "description": name,
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }
    attribute.update(options)
    if attribute["type"] != "complex":
        attribute.setdefault("subAttributes", None)
        attribute.pop("subAttributes")
    return attribute


def schemas() -> list[dict[str, Any]]:
    """What the portal takes and gives, and nothing more (SCHEMAS_GETTER)."""
    user = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_URN,
        "name": "User",
        "description": "User Account",
        "attributes": [
            _attribute("userName", required=True, uniqueness="server"),
            _attribute(
                "name",
                type="complex",
                subAttributes=[_attribute("givenName"), _attribute("familyName")],
            ),
            _attribute("displayName", mutability="readOnly"),
            _attribute(
                "emails",
                type="complex",
                multiValued=True,
                required=True,  # the account's address: the sign-in with the staff account
                subAttributes=[
                    _attribute("value", required=True),
                    _attribute("type", canonicalValues=["work"]),
                ],
            ),
            # Required: an account is active or not, it cannot be "unassigned". A request without
            # it keeps the account as it is (a new one is active).
            _attribute("active", type="boolean", required=True),
            _attribute(
                "groups",
                type="complex",
                multiValued=True,
                mutability="readOnly",
                subAttributes=[
                    _attribute("value", mutability="readOnly"),
                    _attribute(
                        "$ref", type="reference", referenceTypes=["Group"], mutability="readOnly"
                    ),
                    _attribute("display", mutability="readOnly"),
                ],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{USER_URN}"},
    }
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": GROUP_URN,
        "name": "Group",
        "description": "Group",
        "attributes": [
            _attribute("displayName", required=True, uniqueness="server"),
            _attribute(
                "members",
                type="complex",
                multiValued=True,
                subAttributes=[
                    _attribute("value", mutability="immutable"),
                    _attribute(
                        "$ref", type="reference", referenceTypes=["User"], mutability="immutable"
                    ),
                    _attribute("type", canonicalValues=["User"], mutability="immutable"),
                ],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": f"/scim/v2/Schemas/{GROUP_URN}"},
    }
    return [user, group]
