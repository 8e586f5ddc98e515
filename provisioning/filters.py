"""SCIM filters over the portal's provisioned users and groups (django-scim2's filter parser).

Kept apart from provisioning.scim: django-scim2 reads these while its adapters module loads.
A filter naming an attribute the map does not know is refused (400 invalidFilter); the parser
on its own would drop that part of the filter silently.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django_scim import exceptions
from django_scim.filters import FilterQuery
from scim2_filter_parser.queries.sql import SQLQuery

from .models import ScimGroup, ScimUser

# --- Filters -----------------------------------------------------------------------------------


class _AttrMap(dict):  # type: ignore[type-arg]
    """Attribute paths compared without regard to case, with or without the core URN."""

    def get(self, key: Any, default: Any = None) -> Any:
        attr, sub, _uri = key
        return super().get((attr.lower(), (sub or "").lower() or None, None), default)


class _Filter(FilterQuery):  # type: ignore[misc]
    model: type[ScimUser] | type[ScimGroup]

    @classmethod
    def search(cls, filter_query: str, request: HttpRequest | None = None) -> Any:
        query = SQLQuery(filter_query, cls.table_name(), cls.attr_map, cls.joins)
        unknown = [p for p in query.transpiler.attr_paths if cls.attr_map.get(p) is None]
        if unknown:
            attr, sub, _uri = unknown[0]
            name = f"{attr}.{sub}" if sub else attr
            raise exceptions.BadRequestError(
                f"Filter on an unknown attribute: {name}", scim_type="invalidFilter"
            )
        if query.where_sql is None:
            return cls.model.objects.none()
        ids = [row.pk for row in cls.model.objects.raw(query.sql, query.params)]
        return cls.model.objects.filter(pk__in=ids).order_by("pk")


class UserFilter(_Filter):
    model = ScimUser
    model_getter = staticmethod(lambda: ScimUser)
    joins = ("JOIN contacts_user ON contacts_user.id = provisioning_scimuser.user_id",)
    attr_map = _AttrMap(
        {
            ("id", None, None): "provisioning_scimuser.scim_id",
            ("username", None, None): "provisioning_scimuser.user_name",
            ("externalid", None, None): "provisioning_scimuser.external_id",
            ("name", "givenname", None): "contacts_user.first_name",
            ("name", "familyname", None): "contacts_user.last_name",
            ("emails", None, None): "contacts_user.email",
            ("emails", "value", None): "contacts_user.email",
            ("active", None, None): "contacts_user.is_active",
        }
    )


class GroupFilter(_Filter):
    model = ScimGroup
    model_getter = staticmethod(lambda: ScimGroup)
    attr_map = _AttrMap(
        {
            ("id", None, None): "provisioning_scimgroup.scim_id",
            ("displayname", None, None): "provisioning_scimgroup.display_name",
            ("externalid", None, None): "provisioning_scimgroup.external_id",
        }
    )


def user_model() -> type[ScimUser]:
    """django-scim2's USER_MODEL_GETTER: the users SCIM sees are the links to portal accounts."""
    return ScimUser
