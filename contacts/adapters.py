from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: accounts are created by ITD staff or by invitation."""

    def is_open_for_signup(self, request) -> bool:
        return False
