from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.archive, name="archive"),
    path("reports/status/", views.status, name="status"),
    path("reports/schedules/", views.schedule_list, name="schedules"),
    path("reports/schedules/new/", views.schedule_edit, name="schedule_new"),
    path("reports/schedules/<int:pk>/", views.schedule_edit, name="schedule_edit"),
    path("reports/schedules/<int:pk>/delete/", views.schedule_delete, name="schedule_delete"),
    path("reports/<int:pk>/", views.detail, name="detail"),
    path("reports/<int:pk>/download/", views.download, name="download"),
    path("reports/<int:pk>/delete/", views.delete, name="delete"),
]
