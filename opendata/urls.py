from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("open-data/", views.index, name="index"),
    path("open-data/catalog.ttl", views.catalog_turtle, name="catalog_ttl"),
    path("open-data/catalog.jsonld", views.catalog_json_ld, name="catalog_jsonld"),
    path("open-data/manage/", views.manage, name="manage"),
    path("open-data/manage/publish/", views.publish, name="publish"),
    path("open-data/manage/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("open-data/<slug:slug>.csv", views.data_csv, name="csv"),
    path("open-data/<slug:slug>.csv-metadata.json", views.csv_metadata, name="csv_metadata"),
    path("open-data/<slug:slug>.json", views.data_json, name="json"),
]
