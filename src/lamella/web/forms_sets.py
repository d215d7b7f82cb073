"""Forms of the image set pages."""

from typing import Any

from django import forms

from lamella.annotations.models import AnnotationType, Product
from lamella.images.models import ImageSet


class ImageSetForm(forms.Form):
    """A set's editable fields (EXACT's names)."""

    name = forms.CharField(max_length=256)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    location = forms.CharField(max_length=256, required=False)
    priority = forms.TypedChoiceField(
        choices=ImageSet.Priority.choices, coerce=int, initial=ImageSet.Priority.NORMAL
    )
    collaboration_type = forms.TypedChoiceField(
        choices=ImageSet.CollaborationType.choices,
        coerce=int,
        initial=ImageSet.CollaborationType.COLLABORATIVE,
    )
    public = forms.BooleanField(required=False, help_text="Everybody may read and export it.")
    public_collaboration = forms.BooleanField(
        required=False, help_text="Any signed-in user may annotate (public sets only)."
    )
    image_lock = forms.BooleanField(required=False, help_text="No images may be added.")
    main_annotation_type = forms.ModelChoiceField(
        queryset=AnnotationType.objects.none(), required=False
    )

    def __init__(self, *args: Any, image_set: ImageSet | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["main_annotation_type"]
        assert isinstance(field, forms.ModelChoiceField)
        if image_set is not None:
            field.queryset = AnnotationType.objects.filter(product__imagesets=image_set)
        else:
            del self.fields["main_annotation_type"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("public_collaboration") and not data.get("public"):
            self.add_error("public_collaboration", "Public collaboration needs a public set.")
        return data


class TagsForm(forms.Form):
    """The set's tags as one comma separated text."""

    tags = forms.CharField(max_length=2000, required=False, help_text="Comma separated.")


class ProductsForm(forms.Form):
    """The products of the set's team attached to the set."""

    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, image_set: ImageSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["products"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Product.objects.filter(team=image_set.team).order_by("name")
