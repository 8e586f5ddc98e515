from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/<slug:code>/", views.authority_detail, name="authority_detail"),
    path("people/", views.people_list, name="people"),
    path("matrix/", views.matrix, name="matrix"),
]
