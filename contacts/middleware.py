from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _

from .permissions import has_active_access


class GuestAccessMiddleware:
    """Signs out an external account whose access has ended, at its very next request.

    The daily job ends such sessions too; this check closes the gap until it runs, so the
    pages answer as to an anonymous visitor from the first day after the end date.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not has_active_access(user):
            logout(request)
            messages.info(
                request,
                _("Ihr Zugang ist beendet. Sie wurden abgemeldet."),
            )
        return self.get_response(request)
