from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("spaces", views.SpaceViewSet, basename="space")
router.register("authorities", views.AuthorityViewSet, basename="authority")
router.register("people", views.PersonViewSet, basename="person")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("budget-lines", views.BudgetLineViewSet, basename="budget-line")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("measures", views.MeasureViewSet, basename="measure")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("reports", views.ReportViewSet, basename="report")

urlpatterns = [
    # For people: how to use the API (tokens, examples, ETags, limits, versions).
    path("api/", views.guide, name="guide"),
    path("api/v1/", views.root, name="root"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", views.docs, name="docs"),
    path("api/v1/budget/", views.BudgetView.as_view(), name="budget"),
    path("api/v1/", include(router.urls)),
]
