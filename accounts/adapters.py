from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Operators arrive by invitation only: there is no public sign-up."""

    def is_open_for_signup(self, request):
        return False
