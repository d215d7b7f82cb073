"""Forms of the product and annotation type pages."""

import re
from typing import Any

from django import forms

from lamella.annotations.models import AnnotationType

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class ProductForm(forms.Form):
    """A product: a named group of annotation types, attached to image sets."""

    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AnnotationTypeForm(forms.Form):
    """An annotation type: what the viewer's palette offers and how it draws it."""

    name = forms.CharField(max_length=50)
    vector_type = forms.TypedChoiceField(
        label="Shape", choices=AnnotationType.VectorType.choices, coerce=int, initial=1
    )
    color_code = forms.CharField(
        label="Colour", max_length=7, initial="#CC4444", widget=forms.TextInput({"type": "color"})
    )
    default_width = forms.IntegerField(min_value=1, max_value=100_000, initial=50)
    default_height = forms.IntegerField(min_value=1, max_value=100_000, initial=50)
    sort_order = forms.IntegerField(min_value=-10_000, max_value=10_000, initial=0)
    keyboard_shortcut = forms.CharField(
        max_length=1, required=False, strip=False, help_text="One key, e.g. 1 or m."
    )
    closed = forms.BooleanField(required=False, initial=True, help_text="Lines form a ring.")
    multi_frame = forms.BooleanField(required=False, help_text="Shown on every frame.")
    active = forms.BooleanField(required=False, initial=True)

    def clean_color_code(self) -> str:
        value: str = self.cleaned_data["color_code"]
        if not _COLOUR.match(value):
            raise forms.ValidationError("Give a colour as #rrggbb.")
        return value.upper()

    def clean_keyboard_shortcut(self) -> str:
        value: str = self.cleaned_data.get("keyboard_shortcut") or ""
        if value and (not value.isprintable() or value.isspace()):
            raise forms.ValidationError("Use a visible key: a letter, digit or sign.")
        return value

    def clean(self) -> dict[str, Any]:
        return super().clean() or {}
