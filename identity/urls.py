from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    # allauth's start of the provider sign-in, answered cleanly when the provider is down; so
    # before allauth's include (the same address and name as allauth's own).
    path(
        "accounts/oidc/<str:provider_id>/login/",
        views.provider_login,
        name="provider_login",
    ),
    path(
        "accounts/oidc/<str:provider_id>/login/callback/",
        views.provider_callback,
        name="provider_callback",
    ),
    path(
        "accounts/oidc/<str:provider_id>/backchannel-logout/",
        views.backchannel_logout,
        name="backchannel_logout",
    ),
    path("accounts/identity/", views.my_roles, name="mine"),
    path("identity/claims/", views.claim_rules, name="claims"),
    path("identity/claims/<int:pk>/delete/", views.claim_rule_delete, name="claim_delete"),
    path("identity/roles/", views.claim_grants, name="grants"),
]
