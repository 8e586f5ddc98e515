"""SCIM 2.0 at /scim/v2/ (RFC 7644), for the city's identity management only (its token)."""

from django.urls import re_path

from . import views

app_name = "provisioning"

ID = r"(?:/(?P<uuid>[^/]+))?$"

urlpatterns = [
    re_path(r"^scim/v2/?$", views.Root.as_view(), name="root"),
    re_path(r"^scim/v2/\.search$", views.Root.as_view(), name="search"),
    re_path(r"^scim/v2/Bulk$", views.Root.as_view(), name="bulk"),
    re_path(r"^scim/v2/Me$", views.Root.as_view(), name="me"),
    re_path(r"^scim/v2/Users/\.search$", views.UsersSearch.as_view(), name="users-search"),
    re_path(r"^scim/v2/Users" + ID, views.Users.as_view(), name="users"),
    re_path(r"^scim/v2/Groups/\.search$", views.GroupsSearch.as_view(), name="groups-search"),
    re_path(r"^scim/v2/Groups" + ID, views.Groups.as_view(), name="groups"),
    re_path(
        r"^scim/v2/ServiceProviderConfig$",
        views.ServiceProviderConfig.as_view(),
        name="service-provider-config",
    ),
    re_path(r"^scim/v2/ResourceTypes" + ID, views.ResourceTypes.as_view(), name="resource-types"),
    re_path(r"^scim/v2/Schemas" + ID, views.Schemas.as_view(), name="schemas"),
    re_path(r"^scim/v2/", views.Unknown.as_view(), name="unknown"),
]
