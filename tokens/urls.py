from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("accounts/tokens/", views.token_list, name="list"),
    path("accounts/tokens/new/", views.token_create, name="create"),
    path("accounts/tokens/all/", views.token_all, name="all"),
    path("accounts/tokens/<int:pk>/revoke/", views.token_revoke, name="revoke"),
]
