from django.urls import path, re_path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.portfolio_export, name="export"),
    re_path(r"^budget-lines/export\.(?P<fmt>csv|xlsx)$", views.budget_export, name="budget_export"),
    path("new/", views.project_create, name="create"),
    path("cost-rates/", views.cost_rates, name="cost_rates"),
    path("programme-budget/", views.programme_budget, name="programme_budget"),
    path("<slug:slug>/", views.project_detail, name="detail"),
    path("<slug:slug>/edit/", views.project_edit, name="edit"),
    path("<slug:slug>/delete/", views.project_delete, name="delete"),
    path("<slug:slug>/milestones/", views.project_milestones, name="milestones"),
    path(
        "<slug:slug>/milestones/<int:pk>/delete/", views.milestone_delete, name="milestone_delete"
    ),
    path("<slug:slug>/links/<int:pk>/delete/", views.link_delete, name="link_delete"),
    path("<slug:slug>/budget/", views.budget_edit, name="budget"),
    path(
        "<slug:slug>/budget/lines/<int:pk>/delete/",
        views.budget_line_delete,
        name="budget_line_delete",
    ),
]
