"""Output serializers (flex fields) and input shapes for the annotations app's API."""

import datetime as dt
import uuid
from collections.abc import Iterable
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
from lamella.api.fields import NaiveDateTimeField, format_exact_datetime
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


#: The reverse relations that the annotation output lists as ids.
ID_LISTS = ("uploaded_media_files", "annotationversion_set")


def mark_new(annotations: Iterable[Annotation]) -> None:
    """Tell the serializer that these rows were created in this request: nobody has verified
    them and nothing hangs off them yet, so their output needs no query."""
    for annotation in annotations:
        annotation.__dict__["_id_lists"] = dict.fromkeys(ID_LISTS, ())
        annotation.verified_by_requester = False  # type: ignore[attr-defined]


def _id_list(annotation: Annotation, name: str) -> list[int]:
    known = annotation.__dict__.get("_id_lists")
    if known is not None:
        return list(known[name])
    prefetched = getattr(annotation, "_prefetched_objects_cache", {})
    if name in prefetched:
        return [row.pk for row in prefetched[name]]
    return list(getattr(annotation, name).order_by("id").values_list("id", flat=True))


class AnnotationSerializer(ExactModelSerializer):
    """EXACT's annotation. Without ``expand``, ``fields`` or ``omit`` the output is built by
    hand (:meth:`plain`, about a tenth of DRF's per-field cost); the declared fields remain the
    contract, and the tests hold the two outputs equal."""

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

    def is_plain(self) -> bool:
        """True without ``expand``/``fields``/``omit``, from the query or the parent."""
        options: dict[str, list[str]] = self._flex_options_all
        return not any(options.values())

    def to_representation(self, instance: Annotation) -> Any:
        plain = self.__dict__.get("_plain")
        if plain is None:
            plain = self.__dict__["_plain"] = self.is_plain()
        if plain:
            return self.plain(instance)
        return super().to_representation(instance)

    def plain(self, a: Annotation) -> dict[str, Any]:
        """The default shape, value for value what DRF's fields would write."""
        score = a.score
        return {
            "annotation_type": a.annotation_type_id,
            "id": a.pk,
            "vector": a.vector,
            "verified_by_user": self.get_verified_by_user(a),
            "image": a.image_id,
            "concealed": bool(a._concealed),
            "blurred": bool(a._blurred),
            "last_editor": a.last_editor_id,
            "last_edit_time": self._time(a.last_edit_time),
            "user": a.user_id,
            "time": self._time(a.time),
            "generated": bool(a.generated),
            "score": None if score is None else float(score),
            "deleted": bool(a.deleted),
            "description": str(a.description),
            "unique_identifier": _uuid_text(a.unique_identifier),
            "uploaded_media_files": _id_list(a, "uploaded_media_files"),
            "meta_data": a.meta_data,
            "annotationversion_set": _id_list(a, "annotationversion_set"),
        }

    def _time(self, value: dt.datetime | None) -> str | None:
        # A bulk create gives thousands of rows one timestamp; the memo lives one request.
        if value is None:
            return None
        memo: dict[dt.datetime, str] = self.__dict__.setdefault("_times", {})
        text = memo.get(value)
        if text is None:
            text = memo[value] = format_exact_datetime(value)
        return text

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


def _uuid_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


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
