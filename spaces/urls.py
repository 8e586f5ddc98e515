from django.urls import path

from . import views

app_name = "spaces"

# Full paths: the spaces app also serves the directory pages under /contacts/ (they show who
# represents whom in which space, so they live in this layer, above the contacts app).
urlpatterns = [
    path("spaces/", views.space_list, name="list"),
    path("spaces/<slug:slug>/", views.space_detail, name="detail"),
    path("spaces/<slug:slug>/members/add/", views.member_add, name="member_add"),
    path("spaces/<slug:slug>/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("spaces/<slug:slug>/members/<int:pk>/end/", views.member_end, name="member_end"),
    path("contacts/people/", views.people_list, name="people"),
    path("contacts/people/<int:pk>/", views.person_detail, name="person"),
    path("contacts/authorities/", views.authority_list, name="authority_list"),
    path("contacts/authorities/<slug:code>/", views.authority_detail, name="authority_detail"),
    path("contacts/matrix/", views.matrix, name="matrix"),
]
