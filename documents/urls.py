from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("spaces/<slug:slug>/documents/", views.space_documents, name="space"),
    path("spaces/<slug:slug>/documents/new/", views.space_document_new, name="space_new"),
    path("projects/<slug:slug>/documents/", views.project_documents, name="project"),
    path("projects/<slug:slug>/documents/new/", views.project_document_new, name="project_new"),
    path("documents/<int:pk>/", views.detail, name="detail"),
    path("documents/<int:pk>/versions/new/", views.version_new, name="version_new"),
    path("documents/<int:pk>/versions/<int:number>/download/", views.download, name="download"),
    path("documents/<int:pk>/delete/", views.delete, name="delete"),
]
