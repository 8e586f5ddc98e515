from django.contrib import admin
from django.urls import include, path

from contacts import views as contacts_views
from core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("dashboard/", core_views.dashboard, name="dashboard"),
    path("healthz", core_views.healthz, name="healthz"),
    # Issue 4: invitation links, personal data (DSGVO), legal pages.
    path("invitations/<str:token>/", contacts_views.invitation_accept, name="invitation_accept"),
    path("my-profile/", contacts_views.my_profile, name="my_profile"),
    path("my-data/", contacts_views.my_data, name="my_data"),
    path("my-data/export/", contacts_views.my_data_export, name="my_data_export"),
    path("my-data/delete/", contacts_views.my_data_delete, name="my_data_delete"),
    path("privacy/", core_views.privacy, name="privacy"),
    path("legal-notice/", core_views.legal_notice, name="legal_notice"),
    path("accessibility/", core_views.accessibility, name="accessibility"),
    path("terms/", core_views.terms, name="terms"),
    path("spaces/", include("spaces.urls")),
    path("projects/", include("projects.urls")),
    path("contacts/", include("contacts.urls")),
    # Issue 4: the account page linking password, e-mail, MFA and sessions (allauth).
    path("accounts/security/", contacts_views.account_security, name="account_security"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.error_400"
handler403 = "core.views.error_403"
handler404 = "core.views.error_404"
# allauth answers its rate limits with this view (allauth.core.ratelimit.respond_429).
handler429 = "core.views.error_429"
handler500 = "core.views.error_500"
