"""REST API v1 for image sets, images, set tags and versions, screening and image logs."""

from typing import Any

from django.db import models
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from lamella.accounts.models import Team, TeamMembership
from lamella.accounts.policy import Action
from lamella.api.filters import ExactFilterSet, IdFilter
from lamella.api.serializers import ExactModelSerializer, expand
from lamella.api.viewsets import ExactViewSet, instance_of, is_superuser, readable_set_ids
from lamella.images.api_screening import ScreeningModeViewSet
from lamella.images.api_upload import ImageUploadMixin
from lamella.images.models import (
    FrameDescription,
    Image,
    ImageSet,
    LogImageAction,
    SetTag,
    SetVersion,
)

# Serializers ---------------------------------------------------------------------------------


class ImageSetSerializer(ExactModelSerializer):
    # Declared: the model allows NULL, but a set is always created in a team.
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all())

    class Meta:
        model = ImageSet
        fields = (
            "id",
            "name",
            "path",
            "location",
            "description",
            "time",
            "images",
            "product_set",
            "main_annotation_type",
            "set_tags",
            "team",
            "creator",
            "public",
            "public_collaboration",
            "image_lock",
            "priority",
            "zip_state",
            "collaboration_type",
        )
        # Reverse lists are read-only: exact-sync sends them as [] on create, and we ignore them.
        read_only_fields: tuple[str, ...] = ("path", "time", "images", "product_set")
        read_only_fields += ("set_tags", "creator", "zip_state")
        expandable_fields = {
            "images": expand("lamella.images.api.ImageSerializer", many=True),
            "product_set": expand("lamella.annotations.api.ProductSerializer", many=True),
            "main_annotation_type": expand("lamella.annotations.api.AnnotationTypeSerializer"),
            "set_tags": expand("lamella.images.api.SetTagSerializer", many=True),
            "team": expand("lamella.accounts.api.TeamSerializer"),
            "creator": expand("lamella.accounts.api.UserSerializer"),
        }


class FrameDescriptionSerializer(ExactModelSerializer):
    class Meta:
        model = FrameDescription
        fields = ("id", "frame_type", "description", "file_path", "frame_id", "Image")


class ImageSerializer(ExactModelSerializer):
    class Meta:
        model = Image
        fields = (
            "id",
            "name",
            "filename",
            "time",
            "height",
            "width",
            "depth",
            "frames",
            "channels",
            "mpp",
            "objectivePower",
            "FrameDescriptions",
            "defaultFrame",
            "image_type",
            "image_set",
            "ingest_state",
            "ingest_progress",
            "ingest_error",
            "annotations",
        )
        read_only_fields = (
            "filename",
            "time",
            "height",
            "width",
            "channels",
            "FrameDescriptions",
            "ingest_state",
            "ingest_progress",
            "ingest_error",
            "annotations",
        )
        expandable_fields = {
            "image_set": expand("lamella.images.api.ImageSetSerializer"),
            "FrameDescriptions": expand("lamella.images.api.FrameDescriptionSerializer", many=True),
            "annotations": expand("lamella.annotations.api.AnnotationSerializer", many=True),
        }


class SetTagSerializer(ExactModelSerializer):
    class Meta:
        model = SetTag
        fields = ("id", "name", "imagesets")
        extra_kwargs = {"imagesets": {"required": False}}
        expandable_fields = {"imagesets": expand(ImageSetSerializer, many=True)}


class SetVersionSerializer(ExactModelSerializer):
    class Meta:
        model = SetVersion
        fields = ("id", "name", "imagesets", "time", "annotationversion_set", "file")
        read_only_fields = ("time", "annotationversion_set", "file")
        extra_kwargs = {"imagesets": {"required": False}}
        expandable_fields = {"imagesets": expand(ImageSetSerializer, many=True)}


class LogImageActionSerializer(ExactModelSerializer):
    class Meta:
        model = LogImageAction
        fields = ("id", "image", "user", "time", "action", "ip")
        read_only_fields = ("user", "time")
        expandable_fields = {
            "image": expand(ImageSerializer),
            "user": expand("lamella.accounts.api.UserSerializer"),
        }


# Filters -------------------------------------------------------------------------------------


class ImageSetFilter(ExactFilterSet):
    set_tags = IdFilter(field_name="set_tags")
    set_versions = IdFilter(field_name="set_versions")
    product = IdFilter(field_name="product_set")
    images = IdFilter(field_name="images")

    class Meta(ExactFilterSet.Meta):
        model = ImageSet
        fields = {
            "id": ["exact", "in"],
            "path": ["exact", "contains"],
            "name": ["exact", "contains", "in"],
            "location": ["exact", "contains"],
            "description": ["exact", "contains"],
            "time": ["exact", "lte", "gte", "range"],
            "team": ["exact"],
            "creator": ["exact"],
            "public": ["exact"],
            "main_annotation_type": ["exact"],
            "collaboration_type": ["exact"],
            "priority": ["exact"],
            "zip_state": ["exact"],
        }


class ImageFilter(ExactFilterSet):
    annotation_type = IdFilter(method="filter_annotation_type")
    num_annotations_min = IdFilter(method="filter_num_annotations_min")
    num_annotations_max = IdFilter(method="filter_num_annotations_max")

    class Meta(ExactFilterSet.Meta):
        model = Image
        fields = {
            "id": ["exact", "in"],
            "name": ["exact", "contains", "in"],
            "filename": ["exact", "contains", "in"],
            "time": ["exact", "lte", "gte", "range"],
            "mpp": ["exact", "range"],
            "objectivePower": ["exact", "range"],
            "defaultFrame": ["exact", "range"],
            "width": ["exact", "range"],
            "height": ["exact", "range"],
            "image_set": ["exact", "in"],
            "image_type": ["exact"],
        }

    def filter_annotation_type(
        self, queryset: models.QuerySet[Image], name: str, value: int
    ) -> models.QuerySet[Image]:
        from lamella.annotations.models import Annotation

        # Per image, through the (image, id) index: annotations have no index on the type.
        having = Annotation.objects.filter(image_id=models.OuterRef("pk"), annotation_type_id=value)
        return queryset.filter(models.Exists(having))

    def _count(self, queryset: models.QuerySet[Image]) -> Any:
        return queryset.annotate(
            num_annotations=models.Count("annotations", filter=models.Q(annotations__deleted=False))
        )

    def filter_num_annotations_min(
        self, queryset: models.QuerySet[Image], name: str, value: int
    ) -> models.QuerySet[Image]:
        return self._count(queryset).filter(num_annotations__gte=value)

    def filter_num_annotations_max(
        self, queryset: models.QuerySet[Image], name: str, value: int
    ) -> models.QuerySet[Image]:
        return self._count(queryset).filter(num_annotations__lte=value)


class SetTagFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = SetTag
        fields = {"id": ["exact", "in"], "name": ["exact", "contains"], "imagesets": ["exact"]}


class SetVersionFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = SetVersion
        fields = {"id": ["exact", "in"], "name": ["exact", "contains"], "imagesets": ["exact"]}


class LogImageActionFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = LogImageAction
        fields = {
            "id": ["exact"],
            "image": ["exact"],
            "user": ["exact"],
            "time": ["exact", "lte", "gte", "range"],
            "ip": ["exact", "contains"],
            "action": ["exact"],
        }


# Viewsets ------------------------------------------------------------------------------------


class ImageSetViewSet(ExactViewSet):
    """Image sets the requester may read; team members create them, the creator is filled in."""

    queryset = ImageSet.objects.all()
    serializer_class = ImageSetSerializer
    filterset_class = ImageSetFilter
    set_path = ""
    delete_action = Action.DELETE_SET

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        team = serializer.validated_data["team"]
        user: Any = self.request.user
        in_team = TeamMembership.objects.filter(team=team, user_id=user.pk).exists()
        if not (in_team or is_superuser(user)):
            raise NotFound(f"Team {team.pk} not found.")
        serializer.save(creator=user)

    def sets_of_data(self, data: dict[str, Any]) -> list[ImageSet | None]:
        return []  # the set itself is checked through sets_of_instance

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        team = serializer.validated_data.get("team")
        if team is not None and team != instance_of(serializer).team:
            in_team = TeamMembership.objects.filter(team=team, user_id=self.request.user.pk or 0)
            if not (in_team.exists() or is_superuser(self.request.user)):
                raise NotFound(f"Team {team.pk} not found.")
        super().perform_update(serializer)


class ImageViewSet(ImageUploadMixin, ExactViewSet):
    """Images of readable sets: ``GET``, ``PATCH``, ``PUT``, ``DELETE``, and ``POST`` as
    EXACT's multipart upload (see ``lamella.images.api_upload``)."""

    queryset = Image.objects.all()
    serializer_class = ImageSerializer
    filterset_class = ImageFilter
    set_path = "image_set"
    delete_action = Action.DELETE_IMAGES


class SetMembersMixin:
    """For objects attached to many sets (tags, versions): check each set they touch."""

    def sets_of_instance(self, instance: Any) -> list[ImageSet | None]:
        return list(instance.imagesets.all())

    def sets_of_data(self, data: dict[str, Any]) -> list[ImageSet | None]:
        return list(data.get("imagesets", []))

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        ids = readable_set_ids(self.request.user)  # type: ignore[attr-defined]
        if ids is None:
            return queryset
        attached = queryset.model.imagesets.through.objects.values(queryset.model.__name__.lower())
        visible = models.Q(imagesets__in=ids) | ~models.Q(id__in=attached)
        return queryset.filter(id__in=queryset.model.objects.filter(visible).values("id"))


class SetTagViewSet(SetMembersMixin, ExactViewSet):
    queryset = SetTag.objects.all()
    serializer_class = SetTagSerializer
    filterset_class = SetTagFilter
    set_path = ""


class SetVersionViewSet(SetMembersMixin, ExactViewSet):
    """Set versions. TODO(annotations): snapshotting annotations into AnnotationVersion on
    create is a service of the annotations app; not done here."""

    queryset = SetVersion.objects.all()
    serializer_class = SetVersionSerializer
    filterset_class = SetVersionFilter
    set_path = ""


class OwnRowViewSet(ExactViewSet):
    """Rows owned by one user (logs; screening is in ``api_screening``): anyone who may read
    the set creates their own."""

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self.check_sets(self.sets_of_data(serializer.validated_data), Action.READ)
        serializer.save(user=self.request.user, **self.create_extras())


class LogImageActionViewSet(OwnRowViewSet):
    queryset = LogImageAction.objects.all()
    serializer_class = LogImageActionSerializer
    filterset_class = LogImageActionFilter
    set_path = "image__image_set"

    def create_extras(self) -> dict[str, Any]:
        if "ip" in self.request.data:
            return {}
        return {"ip": self.request.META.get("REMOTE_ADDR")}


ROUTES = [
    ("images/image_sets", ImageSetViewSet, "imageset"),
    ("images/images", ImageViewSet, "image"),
    ("images/set_tags", SetTagViewSet, "settag"),
    ("images/set_versions", SetVersionViewSet, "setversion"),
    ("images/screening_modes", ScreeningModeViewSet, "screeningmode"),
    ("annotations/log_image_actions", LogImageActionViewSet, "logimageaction"),
]
