from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("help/", views.help_index, name="help"),
    path("help/glossary/", views.glossary, name="glossary"),
    path("help/<slug:area>/", views.help_area, name="help_area"),
]
