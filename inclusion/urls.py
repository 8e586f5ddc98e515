from django.urls import path

from . import views

app_name = "inclusion"

urlpatterns = [
    path("leichte-sprache/", views.easy, name="easy"),
    path("gebaerdensprache/", views.sign, name="sign"),
    path("gebaerdensprache/<slug:item>/video", views.video_file, name="video"),
    path("gebaerdensprache/<slug:item>/untertitel.vtt", views.captions, name="captions"),
    path("gebaerdensprache/<slug:item>/transkript.txt", views.transcript, name="transcript"),
    path("uebersetzung-wuenschen/", views.request_translation, name="request"),
    path("leichte-sprache/verwalten/", views.manage, name="manage"),
    path("leichte-sprache/verwalten/<slug:item>/", views.text_edit, name="text_edit"),
    path("leichte-sprache/verwalten/<slug:item>/freigabe/", views.sign_off, name="sign_off"),
    path("gebaerdensprache/verwalten/<slug:item>/", views.video_upload, name="video_upload"),
]
