"""Forms of the pages."""

from django.contrib.auth.forms import UserCreationForm

from lamella.accounts.models import User


class RegistrationForm(UserCreationForm[User]):
    """Self-registration: a username, an optional e-mail address and a password twice."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")
