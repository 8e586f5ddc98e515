from django.contrib import admin
from django.urls import include, path

from portal import views as portal

# Every app's urls.py holds its full public paths (stable, bookmarkable).
urlpatterns = [
    # The frame's two addresses, named without a namespace: every app's pages may send people
    # home or to their dashboard (base.html, error pages, "Zur Startseite") without naming the
    # top layer; the pages themselves are the portal app's, which reads every app.
    path("", portal.home, name="home"),
    path("dashboard/", portal.dashboard, name="dashboard"),
    path("", include("core.urls")),
    path("", include("contacts.urls")),
    path("", include("spaces.urls")),
    path("projects/", include("projects.urls")),
    path("", include("access.urls")),
    path("", include("notifications.urls")),
    path("", include("documents.urls")),
    path("", include("search.urls")),
    path("", include("meetings.urls")),
    path("", include("discussions.urls")),
    path("", include("reports.urls")),
    path("strategy/", include("strategy.urls")),
    path("", include("api.urls")),
    # Under accounts/ next to allauth's pages, so before allauth's include.
    path("", include("tokens.urls")),
    path("", include("identity.urls")),
    path("", include("provisioning.urls")),
    path("", include("opendata.urls")),
    path("", include("inclusion.urls")),
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
