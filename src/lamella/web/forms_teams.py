"""Forms of the team pages."""

from django import forms


class TeamForm(forms.Form):
    """A new team: its name (unique, at least 3 characters) and an optional website."""

    name = forms.CharField(min_length=3, max_length=100)
    website = forms.URLField(max_length=100, required=False, assume_scheme="https")


class AddMemberForm(forms.Form):
    """Add an existing user to a team by username."""

    username = forms.CharField(max_length=150)
    is_admin = forms.BooleanField(required=False, label="Team admin")


class RoleForm(forms.Form):
    """Make a member admin or not."""

    is_admin = forms.BooleanField(required=False)
