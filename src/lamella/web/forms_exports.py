"""Forms of the exports page: download a set's annotations, import a file."""

from django import forms

from lamella.interop import registry

FORMAT_CHOICES = [(name, name) for name in sorted(registry.FORMATS)]


class ExportForm(forms.Form):
    """Which format to download the set's annotations in."""

    format = forms.ChoiceField(choices=FORMAT_CHOICES)
    include_deleted = forms.BooleanField(required=False)


class ImportForm(forms.Form):
    """A file of annotations; the format is guessed when not given. Dry run by default."""

    file = forms.FileField()
    format = forms.ChoiceField(
        choices=[("", "guess from the file"), *FORMAT_CHOICES], required=False
    )
    create_types = forms.BooleanField(
        required=False, help_text="Create annotation types for classes the set lacks."
    )
    dry_run = forms.BooleanField(
        required=False, initial=True, help_text="Only report what would be imported."
    )
