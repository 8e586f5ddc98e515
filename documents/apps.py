from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Dokumente")

    def ready(self) -> None:
        # Models are ready only now: the rule tables and privacy holdings register, and the
        # space page and the project page get a section of documents.
        from . import home, permissions, privacy  # noqa: F401

        home.register()
