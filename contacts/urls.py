from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("my-profile/", views.my_profile, name="my_profile"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/export/", views.my_data_export, name="my_data_export"),
    path("my-data/delete/", views.my_data_delete, name="my_data_delete"),
]
