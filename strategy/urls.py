from django.urls import path

from . import views

app_name = "strategy"

urlpatterns = [
    path("", views.index, name="index"),
    path("spaces/<slug:slug>/", views.space_strategy, name="space"),
    path("spaces/<slug:slug>/goals/new/", views.goal_create, name="goal_create"),
    path("goals/<int:pk>/", views.goal_detail, name="goal"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("goals/<int:pk>/measures/new/", views.measure_create, name="measure_create"),
    path("goals/<int:pk>/indicators/new/", views.indicator_create, name="indicator_create"),
    path("measures/<int:pk>/", views.measure_detail, name="measure"),
    path("measures/<int:pk>/edit/", views.measure_edit, name="measure_edit"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/values/new/", views.value_add, name="value_add"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/new/", views.round_open, name="round_open"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/freeze/", views.round_freeze, name="round_freeze"),
    path("rounds/<int:pk>/compare/", views.round_compare, name="round_compare"),
    path("rounds/<int:pk>/export.csv", views.round_export, name="round_export"),
    path("rounds/<int:pk>/import/", views.round_import, name="round_import"),
    path("rounds/<int:pk>/report/", views.round_report, name="round_report"),
    path("submissions/<int:pk>/", views.submission_detail, name="submission"),
    path("submissions/<int:pk>/note/", views.submission_note, name="submission_note"),
    path("submissions/<int:pk>/review/", views.submission_review, name="submission_review"),
]
