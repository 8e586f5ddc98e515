from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpacesConfig(AppConfig):
    name = "spaces"
    verbose_name = _("Digitale Räume")

    def ready(self) -> None:
        # Models are ready only now: the rule tables register, and a guest may see the people
        # of their own spaces (the contacts app's extension point).
        from contacts.permissions import PEOPLE_A_GUEST_SEES

        from . import home, selectors
        from .permissions import PEOPLE_IN_MY_SPACES

        PEOPLE_A_GUEST_SEES.extend(PEOPLE_IN_MY_SPACES)
        # The space page's activity stream: new members (the apps above add theirs).
        home.register_activity("members", selectors.member_activity)
