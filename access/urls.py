from django.urls import path

from . import views

app_name = "access"

urlpatterns = [
    path("contacts/invitations/", views.invitation_list, name="invitation_list"),
    path(
        "contacts/invitations/spaces/<slug:slug>/",
        views.invitation_space_list,
        name="invitation_space_list",
    ),
    path(
        "contacts/invitations/spaces/<slug:slug>/new/",
        views.invitation_space_create,
        name="invitation_space_create",
    ),
    path(
        "contacts/invitations/projects/<slug:slug>/",
        views.invitation_project_list,
        name="invitation_project_list",
    ),
    path(
        "contacts/invitations/projects/<slug:slug>/new/",
        views.invitation_project_create,
        name="invitation_project_create",
    ),
    path(
        "contacts/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"
    ),
    path(
        "contacts/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path(
        "contacts/invitations/<int:pk>/extend/", views.invitation_extend, name="invitation_extend"
    ),
    path(
        "contacts/invitations/<int:pk>/end/",
        views.invitation_end_access,
        name="invitation_end_access",
    ),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("accounts/security/", views.account_security, name="account_security"),
]
