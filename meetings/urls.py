from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("spaces/<slug:slug>/meetings/", views.space_meetings, name="space_list"),
    path("spaces/<slug:slug>/meetings/new/", views.meeting_create, name="create"),
    path("meetings/", views.my_meetings, name="mine"),
    path("meetings/<int:pk>/", views.meeting_detail, name="detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("meetings/<int:pk>/answer/", views.meeting_answer, name="answer"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="ics"),
    path("meetings/<int:pk>/files/<int:file>/", views.file_download, name="file_download"),
    path("meetings/<int:pk>/files/<int:file>/remove/", views.file_remove, name="file_remove"),
    path("meetings/calendar/", views.feed_page, name="feed_page"),
    path("meetings/calendar/renew/", views.feed_renew, name="feed_renew"),
    path("meetings/calendar/revoke/", views.feed_revoke, name="feed_revoke"),
    path("meetings/calendar/<str:token>.ics", views.feed, name="feed"),
]
