from django import forms

from .domains import InvalidStoreDomain, subdomain_from_user_input


class StoreField(forms.CharField):
    """A store subdomain, typed as `acme`, `acme.29next.store` or its URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("label", "Store")
        kwargs.setdefault("help_text", "The store's subdomain, e.g. <code>acme</code> for acme.29next.store.")
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"})

    def clean(self, value):
        value = super().clean(value)
        try:
            return subdomain_from_user_input(value)
        except InvalidStoreDomain:
            raise forms.ValidationError(
                "Enter a store subdomain such as “acme” (lower-case letters, digits and hyphens).",
                code="invalid_store",
            ) from None


class OAuthConnectForm(forms.Form):
    store = StoreField()


class TokenConnectForm(forms.Form):
    store = StoreField()
    token = forms.CharField(
        label="API access token",
        max_length=4096,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=(
            "From the store's dashboard: Settings &rsaquo; API Access. It is checked with the store before it is saved."
        ),
    )


class DisconnectForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that Storedesk stops working with this store until an owner connects it again.",
        required=True,
    )
