from django.urls import path

from . import views

app_name = "discussions"

# Full paths: the lists live under the space and the project they belong to.
urlpatterns = [
    path(
        "spaces/<slug:slug>/discussions/",
        views.thread_list,
        {"kind": "space"},
        name="space_threads",
    ),
    path(
        "spaces/<slug:slug>/discussions/new/",
        views.thread_new,
        {"kind": "space"},
        name="space_thread_new",
    ),
    path(
        "projects/<slug:slug>/discussions/",
        views.thread_list,
        {"kind": "project"},
        name="project_threads",
    ),
    path(
        "projects/<slug:slug>/discussions/new/",
        views.thread_new,
        {"kind": "project"},
        name="project_thread_new",
    ),
    path(
        "spaces/<slug:slug>/discussions/mention/",
        views.mention_search,
        {"kind": "space"},
        name="space_mention",
    ),
    path(
        "projects/<slug:slug>/discussions/mention/",
        views.mention_search,
        {"kind": "project"},
        name="project_mention",
    ),
    path("discussions/<int:pk>/", views.thread_detail, name="thread"),
    path("discussions/<int:pk>/follow/", views.thread_follow, {"follow": True}, name="follow"),
    path(
        "discussions/<int:pk>/unfollow/",
        views.thread_follow,
        {"follow": False},
        name="unfollow",
    ),
    path("discussions/<int:pk>/hide/", views.hide, {"what": "thread"}, name="thread_hide"),
    path(
        "discussions/<int:pk>/unhide/",
        views.moderate,
        {"action": "unhide"},
        name="thread_unhide",
    ),
    path("discussions/<int:pk>/lock/", views.moderate, {"action": "lock"}, name="thread_lock"),
    path(
        "discussions/<int:pk>/unlock/",
        views.moderate,
        {"action": "unlock"},
        name="thread_unlock",
    ),
    path("discussions/posts/<int:pk>/", views.post_detail, name="post"),
    path("discussions/posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("discussions/posts/<int:pk>/history/", views.post_history, name="post_history"),
    path("discussions/posts/<int:pk>/hide/", views.hide, {"what": "post"}, name="post_hide"),
    path(
        "discussions/posts/<int:pk>/unhide/",
        views.moderate,
        {"action": "post_unhide"},
        name="post_unhide",
    ),
]
