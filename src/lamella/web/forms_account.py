"""Forms of the account page (the password form is Django's ``PasswordChangeForm``)."""

from django import forms


class TokenForm(forms.Form):
    """A new API token: a name to recognise it by, and an optional lifetime."""

    name = forms.CharField(max_length=100)
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=3650, required=False, help_text="Leave empty for no expiry."
    )
