from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/<slug:code>/", views.authority_detail, name="authority_detail"),
    path("people/", views.people_list, name="people"),
    path("matrix/", views.matrix, name="matrix"),
    path("invitations/", views.invitation_list, name="invitation_list"),
    path(
        "invitations/spaces/<slug:slug>/",
        views.invitation_space_list,
        name="invitation_space_list",
    ),
    path("invitations/spaces/<slug:slug>/new/", views.invitation_create, name="invitation_create"),
    path(
        "invitations/projects/<slug:slug>/",
        views.invitation_project_list,
        name="invitation_project_list",
    ),
    path(
        "invitations/projects/<slug:slug>/new/",
        views.invitation_project_create,
        name="invitation_project_create",
    ),
    path("invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:pk>/extend/", views.invitation_extend, name="invitation_extend"),
    path("invitations/<int:pk>/end/", views.invitation_end_access, name="invitation_end_access"),
]
