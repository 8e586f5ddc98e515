from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    path("legal-notice/", views.legal_notice, name="legal_notice"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("terms/", views.terms, name="terms"),
]
