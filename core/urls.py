from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Kubernetes' probes (deploy/): the process answers; the process can serve.
    path("livez", views.livez, name="livez"),
    path("readyz", views.readyz, name="readyz"),
    path("privacy/", views.privacy, name="privacy"),
    path("legal-notice/", views.legal_notice, name="legal_notice"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("terms/", views.terms, name="terms"),
    # Help and glossary: in the lowest layer, so every app's forms and pages may link to them.
    path("help/", views.help_index, name="help"),
    path("help/glossary/", views.glossary, name="glossary"),
    path("help/<slug:area>/", views.help_area, name="help_area"),
]
