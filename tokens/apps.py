from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TokensConfig(AppConfig):
    name = "tokens"
    verbose_name = _("API-Tokens")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register; a deactivated account's tokens
        # are revoked whichever way it was deactivated (the admin, a service, the deletion).
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from . import permissions  # noqa: F401 - registers the rule tables
        from .receivers import revoke_tokens_of_deactivated_account

        post_save.connect(
            revoke_tokens_of_deactivated_account,
            sender=get_user_model(),
            dispatch_uid="tokens_revoke_of_deactivated",
        )
