from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read-all/", views.notifications_read_all, name="read_all"),
    path("notifications/preferences/", views.preferences, name="preferences"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("notifications/unsubscribed/", views.unsubscribed, name="unsubscribed"),
    path("notifications/failed/", views.failed_list, name="failed"),
    path("notifications/failed/retry-all/", views.failed_retry_all, name="failed_retry_all"),
    path(
        "notifications/failed/<str:kind>/<int:pk>/retry/",
        views.failed_retry,
        name="failed_retry",
    ),
    path("notifications/<int:pk>/read/", views.notification_read, name="read"),
]
