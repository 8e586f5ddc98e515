from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class GermanFirstLocaleMiddleware(LocaleMiddleware):
    """German unless the person chose English with the language switch.

    The browser's Accept-Language is deliberately ignored: the portal speaks German first, and the
    switch in the header (a cookie) is the one way to change that.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: no-store` where personal data is.

    Pages shown to a signed-in person, and every page under NO_STORE_PATH_PREFIXES (sign-in,
    account, personal data, contacts, admin), must not stay in a browser or proxy cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path_info.startswith(settings.NO_STORE_PATH_PREFIXES):
            add_never_cache_headers(response)
        return response
