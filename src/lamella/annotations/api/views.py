"""Viewsets for products, annotation types, verifications, versions and media files."""

from typing import Any

from django.db import models, transaction
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.accounts.models import TeamMembership
from lamella.accounts.policy import Action
from lamella.annotations import services
from lamella.annotations.api import filters
from lamella.annotations.api.serializers import (
    AnnotationMediaFileSerializer,
    AnnotationTypeSerializer,
    AnnotationVersionSerializer,
    ProductSerializer,
    VerificationSerializer,
)
from lamella.annotations.models import (
    AnnotationMediaFile,
    AnnotationType,
    AnnotationVersion,
    Product,
    Verification,
)
from lamella.api.viewsets import ExactViewSet, instance_of, is_superuser, readable_set_ids


def readable_products(user: Any) -> models.Q:
    """Products of the user's teams, and products attached to sets the user may read."""
    ids = readable_set_ids(user)
    if ids is None:
        return models.Q()
    attached = Product.imagesets.through.objects.filter(imageset_id__in=ids).values("product_id")
    visible = models.Q(id__in=attached)
    if user.is_authenticated:
        mine = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
        visible |= models.Q(team_id__in=mine)
    return visible


def require_product_team(user: Any, product: Product | None) -> None:
    """Products (and their types) are the business of their team's members."""
    if is_superuser(user):
        return
    if product is None or product.team_id is None:
        raise PermissionDenied("Only administrators may change objects without a team.")
    if not TeamMembership.objects.filter(team_id=product.team_id, user_id=user.pk).exists():
        raise PermissionDenied("Only members of the product's team may change it.")


class ProductViewSet(ExactViewSet):
    queryset = Product.objects.all()
    serializer_class = ProductSerializer
    filterset_class = filters.ProductFilter

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        return queryset.filter(readable_products(self.request.user))

    def _check_team(self, team: Any) -> None:
        user: Any = self.request.user
        if is_superuser(user):
            return
        if team is None:
            raise PermissionDenied("A product needs a team.")
        if not TeamMembership.objects.filter(team=team, user_id=user.pk).exists():
            raise NotFound(f"Team {team.pk} not found.")

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        self._check_team(serializer.validated_data.get("team"))
        self.check_sets(serializer.validated_data.get("imagesets", []), Action.EDIT_SET)
        serializer.save(creator=self.request.user)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        product = instance_of(serializer)
        require_product_team(self.request.user, product)
        if "team" in serializer.validated_data:
            self._check_team(serializer.validated_data["team"])
        if "imagesets" in serializer.validated_data:
            before = set(product.imagesets.all())
            after = set(serializer.validated_data["imagesets"])
            self.check_sets(before ^ after, Action.EDIT_SET)  # attaching and detaching
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        require_product_team(self.request.user, instance)
        instance.delete()


class AnnotationTypeViewSet(ExactViewSet):
    queryset = AnnotationType.objects.all()
    serializer_class = AnnotationTypeSerializer
    filterset_class = filters.AnnotationTypeFilter

    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        products = Product.objects.filter(readable_products(self.request.user)).values("id")
        return queryset.filter(models.Q(product__in=products) | models.Q(product=None))

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        require_product_team(self.request.user, serializer.validated_data.get("product"))
        serializer.save()

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        require_product_team(self.request.user, instance_of(serializer).product)
        if "product" in serializer.validated_data:
            require_product_team(self.request.user, serializer.validated_data["product"])
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        require_product_team(self.request.user, instance.product)
        instance.delete()


class VerificationViewSet(ExactViewSet):
    """A user's accept/reject of an annotation; one per user, a second POST replaces it."""

    queryset = Verification.objects.all()
    serializer_class = VerificationSerializer
    filterset_class = filters.VerificationFilter
    set_path = "annotation__image__image_set"
    create_action = Action.VERIFY
    update_action = Action.VERIFY

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.check_sets(self.sets_of_data(serializer.validated_data), Action.VERIFY)
        verification = services.verify_annotation(
            user=request.user,
            annotation=serializer.validated_data["annotation"],
            verified=serializer.validated_data.get("verified", True),
        )
        return Response(self.get_serializer(verification).data, status=status.HTTP_201_CREATED)

    def _own_or_edit(self, instance: Verification) -> Action:
        return (
            Action.VERIFY
            if instance.user_id == getattr(self.request.user, "pk", None)
            else Action.EDIT_SET
        )

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        self.check_sets(
            self.sets_of_instance(instance_of(serializer)),
            self._own_or_edit(instance_of(serializer)),
        )
        self.check_sets(self.sets_of_data(serializer.validated_data), Action.VERIFY)
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        self.check_sets(self.sets_of_instance(instance), self._own_or_edit(instance))
        instance.delete()


class AnnotationVersionViewSet(ExactViewSet):
    queryset = AnnotationVersion.objects.all()
    serializer_class = AnnotationVersionSerializer
    filterset_class = filters.AnnotationVersionFilter
    set_path = "image__image_set"


class AnnotationMediaFileViewSet(ExactViewSet):
    """Files attached to annotations. Create is multipart and, as in EXACT, takes every file part
    and answers with the paginated envelope of the files created."""

    queryset = AnnotationMediaFile.objects.all()
    serializer_class = AnnotationMediaFileSerializer
    filterset_class = filters.AnnotationMediaFileFilter
    set_path = "annotation__image__image_set"
    create_action = Action.EDIT_ANNOTATION
    update_action = Action.EDIT_ANNOTATION
    delete_action = Action.DELETE_ANNOTATION

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        uploads = list(request.FILES.values())
        if not uploads:
            return Response(
                {"detail": "Send the file as a multipart part (e.g. 'file')."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        created: list[AnnotationMediaFile] = []
        with transaction.atomic():
            for upload in uploads:
                created.append(self._create_one(request, upload, check=not created))
        data = self.get_serializer(created, many=True).data
        envelope = {"count": len(created), "next": None, "previous": None, "results": data}
        return Response(envelope, status=status.HTTP_201_CREATED)

    def _create_one(self, request: Request, upload: Any, *, check: bool) -> AnnotationMediaFile:
        form: Any = request.data
        fields = {key: form.get(key) for key in ("annotation", "media_file_type")}
        fields = {key: value for key, value in fields.items() if value is not None}
        name = form.get("name") or upload.name
        serializer = self.get_serializer(data={**fields, "name": name, "file": upload})
        serializer.is_valid(raise_exception=True)
        if check:
            self.check_sets(self.sets_of_data(serializer.validated_data), self.create_action)
        media: AnnotationMediaFile = serializer.save()
        return media
