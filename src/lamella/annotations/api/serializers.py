"""Output serializers (flex fields) and input shapes for the annotations app's API."""

from typing import Any

from rest_framework import serializers
from rest_framework.settings import api_settings

from lamella.annotations.models import (
    Annotation,
    AnnotationMediaFile,
    AnnotationType,
    AnnotationVersion,
    Product,
    Verification,
)
from lamella.api.fields import NaiveDateTimeField
from lamella.api.serializers import ExactModelSerializer, expand

USER = "lamella.accounts.api.UserSerializer"
IMAGE = "lamella.images.api.ImageSerializer"


class ProductSerializer(ExactModelSerializer):
    class Meta:
        model = Product
        fields: tuple[str, ...] = ("id", "name", "description", "time", "team", "creator")
        fields += ("imagesets", "annotationtype_set")
        read_only_fields = ("time", "creator", "annotationtype_set")
        extra_kwargs = {"imagesets": {"required": False}}
        expandable_fields = {
            "team": expand("lamella.accounts.api.TeamSerializer"),
            "creator": expand(USER),
            "imagesets": expand("lamella.images.api.ImageSetSerializer", many=True),
            "annotationtype_set": expand(
                "lamella.annotations.api.AnnotationTypeSerializer", many=True
            ),
        }


class AnnotationTypeSerializer(ExactModelSerializer):
    class Meta:
        model = AnnotationType
        fields = (
            "id",
            "name",
            "active",
            "vector_type",
            "node_count",
            "enable_concealed",
            "enable_blurred",
            "color_code",
            "multi_frame",
            "default_width",
            "default_height",
            "sort_order",
            "closed",
            "area_hit_test",
            "product",
        )
        expandable_fields = {"product": expand(ProductSerializer)}


class AnnotationSerializer(ExactModelSerializer):
    concealed = serializers.BooleanField(source="_concealed", read_only=True)
    blurred = serializers.BooleanField(source="_blurred", read_only=True)
    verified_by_user = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = (
            "annotation_type",
            "id",
            "vector",
            "verified_by_user",
            "image",
            "concealed",
            "blurred",
            "last_editor",
            "last_edit_time",
            "user",
            "time",
            "generated",
            "score",
            "deleted",
            "description",
            "unique_identifier",
            "uploaded_media_files",
            "meta_data",
            "annotationversion_set",
        )
        read_only_fields = fields
        expandable_fields = {
            "annotation_type": expand(AnnotationTypeSerializer),
            "image": expand(IMAGE),
            "user": expand(USER),
            "last_editor": expand(USER),
            "uploaded_media_files": expand(
                "lamella.annotations.api.AnnotationMediaFileSerializer", many=True
            ),
            "annotationversion_set": expand(
                "lamella.annotations.api.AnnotationVersionSerializer", many=True
            ),
        }

    def get_verified_by_user(self, annotation: Annotation) -> bool:
        """True when the requester accepted this annotation (EXACT's field)."""
        known = getattr(annotation, "verified_by_requester", None)
        if known is not None:
            return bool(known)  # computed for the whole page by the viewset
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return annotation.verifications.filter(user=user, verified=True).exists()


class AnnotationInputSerializer(serializers.Serializer):
    """What a client may send to create or change an annotation (other keys are ignored).

    ``image`` and ``annotation_type`` are plain ids here: a bulk create resolves them in one
    query each instead of one per item.
    """

    image = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    annotation_type = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    vector = serializers.JSONField(allow_null=True, required=False)
    unique_identifier = serializers.UUIDField(required=False, allow_null=True)
    deleted = serializers.BooleanField(required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, trim_whitespace=False
    )
    meta_data = serializers.JSONField(required=False, allow_null=True)
    concealed = serializers.BooleanField(required=False)
    blurred = serializers.BooleanField(required=False)
    generated = serializers.BooleanField(required=False)
    score = serializers.FloatField(required=False, allow_null=True)
    time = NaiveDateTimeField(required=False)
    last_edit_time = NaiveDateTimeField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            message = "Each annotation must be a JSON object."
            raise serializers.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [message]})
        return super().to_internal_value(data)


class VerificationSerializer(ExactModelSerializer):
    class Meta:
        model = Verification
        fields = ("id", "annotation", "user", "time", "verified")
        read_only_fields = ("user", "time")
        expandable_fields = {"annotation": expand(AnnotationSerializer), "user": expand(USER)}


class AnnotationVersionSerializer(ExactModelSerializer):
    has_changes = serializers.BooleanField(read_only=True)

    class Meta:
        model = AnnotationVersion
        fields = (
            "id",
            "version",
            "annotation",
            "image",
            "annotation_type",
            "deleted",
            "vector",
            "has_changes",
        )
        expandable_fields = {
            "version": expand("lamella.images.api.SetVersionSerializer"),
            "annotation": expand(AnnotationSerializer),
            "annotation_type": expand(AnnotationTypeSerializer),
            "image": expand(IMAGE),
        }

    def prefetch_for_has_changes(self) -> list[str]:
        return ["annotation"]  # has_changes compares against the current annotation


class AnnotationMediaFileSerializer(ExactModelSerializer):
    class Meta:
        model = AnnotationMediaFile
        fields = ("id", "name", "media_file_type", "file", "annotation")
        extra_kwargs = {"name": {"required": False}}
        expandable_fields = {"annotation": expand(AnnotationSerializer)}
