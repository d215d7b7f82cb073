"""``/api/v1/annotations/annotations/``: EXACT's upsert, bulk create, count and multiple delete,
plus a viewport filter (``in_bbox=x1,y1,x2,y2`` and ``frame=``) through the spatial index.

Every write goes through :mod:`lamella.annotations.services`; a vector that does not fit its
type is a 400 naming the problem.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction
from django.db.models import Exists, OuterRef, Value
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.accounts.policy import Action
from lamella.annotations import selectors, services
from lamella.annotations.api import bulk_input, list_rows
from lamella.annotations.api.filters import AnnotationFilter
from lamella.annotations.api.serializers import (
    AnnotationInputSerializer,
    AnnotationSerializer,
    mark_new,
)
from lamella.annotations.models import Annotation, AnnotationType, Verification
from lamella.api.collector import collector_paused
from lamella.api.fields import parse_exact_datetime
from lamella.api.pagination import ExactPagination
from lamella.api.prefetch import FLEX_PARAMETERS, plan_prefetch
from lamella.api.renderers import FastJSONRenderer
from lamella.api.viewsets import ExactViewSet
from lamella.images.models import Image

VIEWPORT_PARAMETERS = [
    OpenApiParameter("in_bbox", str, description="x1,y1,x2,y2: annotations meeting this box"),
    OpenApiParameter("frame", int, description="frame (1-based); multi-frame types included"),
]


class BadAnnotation(ValidationError):
    """A 400 whose detail is one sentence, e.g. which coordinate is wrong."""

    def __init__(self, message: str) -> None:
        super().__init__({"detail": message}, code="invalid")


class EditConflict(APIException):
    """409: the annotation changed since the client's ``expected_last_edit_time``."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, current: Any) -> None:
        super().__init__()
        message = "someone else changed this annotation; its current state is in 'current'"
        self.detail = {"detail": ErrorDetail(message, code="conflict"), "current": current}


# The wire format keeps microseconds, so equal times compare equal; the slack only absorbs
# a database that stores less precision than it was given.
EDIT_TIME_SLACK = dt.timedelta(microseconds=1)


@contextmanager
def service_errors() -> Iterator[None]:
    """Turn the services' input errors into 400s naming the problem."""
    try:
        yield
    except (services.VectorError, services.AnnotationInputError) as exc:
        raise BadAnnotation(str(exc)) from exc


def _int_list(text: str, name: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise BadAnnotation(f"{name} must be comma-separated integers, not {text!r}") from exc


@extend_schema(parameters=VIEWPORT_PARAMETERS)
class AnnotationViewSet(ExactViewSet):
    queryset = Annotation.objects.all()
    serializer_class = AnnotationSerializer
    filterset_class = AnnotationFilter
    set_path = "image__image_set"
    create_action = Action.ANNOTATE
    update_action = Action.EDIT_ANNOTATION
    delete_action = Action.DELETE_ANNOTATION
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]

    # Reads -----------------------------------------------------------------------------------
    def annotate_for_output(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        user: Any = self.request.user
        if not user.is_authenticated:
            return queryset.annotate(verified_by_requester=Value(False))
        mine = Verification.objects.filter(annotation=OuterRef("pk"), user=user, verified=True)
        return queryset.annotate(verified_by_requester=Exists(mine))

    def filter_queryset(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        params = self.request.query_params
        frame = params.get("frame")
        if frame is not None and not (frame.isdigit() and int(frame) < 2**31):
            raise BadAnnotation(f"frame must be a frame number, not {frame!r}")
        if "in_bbox" in params:
            return self._viewport(queryset, params["in_bbox"], int(frame or 1))
        if frame is not None:
            # A subquery of the few multi-frame types, not a join of every row to its type.
            multi_frame = AnnotationType.objects.filter(multi_frame=True).values("id")
            on_frame = models.Q(frame=int(frame)) | models.Q(annotation_type_id__in=multi_frame)
            queryset = queryset.filter(on_frame)
        return queryset

    def plain_json(self) -> bool:
        """A page in the default shape, for a JSON client: the database can write it."""
        request = self.request
        if not isinstance(getattr(request, "accepted_renderer", None), FastJSONRenderer):
            return False
        return not any(name in request.query_params for name in FLEX_PARAMETERS)

    def _viewport(
        self, queryset: models.QuerySet[Any], bbox: str, frame: int
    ) -> models.QuerySet[Any]:
        try:
            x1, y1, x2, y2 = (float(part) for part in bbox.split(","))
        except ValueError as exc:
            raise BadAnnotation(f"in_bbox must be x1,y1,x2,y2 numbers, not {bbox!r}") from exc
        image = self.request.query_params.get("image", "")
        if not image.isdigit():
            raise BadAnnotation("in_bbox needs image=<id>: the viewport is within one image")
        inside = selectors.annotations_in_viewport(
            image=int(image),
            frame=frame,
            x_min=min(x1, x2),
            y_min=min(y1, y2),
            x_max=max(x1, x2),
            y_max=max(y1, y2),
            include_deleted=True,  # the deleted= filter decides
        )
        return queryset.filter(id__in=inside.values("id"))

    def get_queryset(self) -> models.QuerySet[Any]:
        if self.action in ("count", "multiple_delete"):
            return self.scope(Annotation.objects.all()).order_by("id")
        return super().get_queryset()

    @extend_schema(
        parameters=VIEWPORT_PARAMETERS,
        responses=inline_serializer("AnnotationCount", {"count": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["get"])
    def count(self, request: Request) -> Response:
        """``{"count": n}`` for the same filters as the list."""
        return Response({"count": self.filter_queryset(self.get_queryset()).count()})

    # Writes ----------------------------------------------------------------------------------
    def _resolve(
        self, items: list[dict[str, Any]]
    ) -> tuple[dict[int, Image], dict[int, AnnotationType]]:
        """Images and types of ``items`` in one query each; 400 for unknown ids."""
        images = Image.objects.select_related("image_set").in_bulk(
            {item["image"] for item in items if "image" in item}
        )
        types = AnnotationType.objects.in_bulk(
            {item["annotation_type"] for item in items if "annotation_type" in item}
        )
        for index, item in enumerate(items):
            where = f"item {index}: " if len(items) > 1 else ""
            if "image" in item and item["image"] not in images:
                raise BadAnnotation(f"{where}image {item['image']} does not exist")
            if "annotation_type" in item and item["annotation_type"] not in types:
                raise BadAnnotation(
                    f"{where}annotation_type {item['annotation_type']} does not exist"
                )
        self.check_sets({image.image_set for image in images.values()}, Action.ANNOTATE)
        return images, types

    @extend_schema(
        request=AnnotationInputSerializer,
        responses={201: AnnotationSerializer, 200: AnnotationSerializer},
        description="One object: upsert by (image, unique_identifier), 200 when it updated. "
        "A JSON array: bulk create in one transaction, answered with an array.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with collector_paused():  # parsing a bulk body already allocates per item
            if isinstance(request.data, list):
                return self._bulk_create(request)
        if not isinstance(request.data, dict):
            raise BadAnnotation("Send one annotation as a JSON object, or many as an array.")
        inputs = AnnotationInputSerializer(data=request.data)
        inputs.is_valid(raise_exception=True)
        data = dict(inputs.validated_data)
        images, types = self._resolve([data])
        image, annotation_type = images[data.pop("image")], types[data.pop("annotation_type")]
        vector = data.pop("vector", None)
        identifier = data.pop("unique_identifier", None)
        with service_errors():
            if identifier is None:
                annotation = services.create_annotation(
                    user=request.user, image=image, annotation_type=annotation_type,
                    vector=vector, **data,
                )  # fmt: skip
                created = True
            else:
                if Annotation.objects.filter(image=image, unique_identifier=identifier).exists():
                    self.check_sets([image.image_set], Action.EDIT_ANNOTATION)
                annotation, created = services.upsert_annotation(
                    user=request.user, image=image, unique_identifier=identifier,
                    annotation_type=annotation_type, vector=vector, **data,
                )  # fmt: skip
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(annotation).data, status=code)

    def _bulk_create(self, request: Request) -> Response:
        items = bulk_input.plain_items(request.data)
        if items is None:  # unusual spellings or errors: the serializer decides and words it
            inputs = AnnotationInputSerializer(data=request.data, many=True)
            inputs.is_valid(raise_exception=True)
            items = [dict(item) for item in inputs.validated_data]
        images, types = self._resolve(items)
        for item in items:
            item["image"], item["annotation_type"] = (
                images[item["image"]],
                types[item["annotation_type"]],
            )
        with service_errors():
            annotations = services.bulk_create_annotations(user=request.user, items=items)
        mark_new(annotations)
        output = self.get_serializer(annotations, many=True)
        if not output.child.is_plain():  # type: ignore[attr-defined]
            models.prefetch_related_objects(annotations, *plan_prefetch(output))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AnnotationInputSerializer, responses=AnnotationSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        annotation = self.get_object()
        inputs = AnnotationInputSerializer(data=request.data, partial=partial)
        inputs.is_valid(raise_exception=True)
        changes = dict(inputs.validated_data)
        self._check_unmodified(annotation, request.data)
        image_set = annotation.image.image_set
        self.check_sets([image_set], Action.EDIT_ANNOTATION)
        if changes.get("deleted") and not annotation.deleted:
            self.check_sets([image_set], Action.DELETE_ANNOTATION)
        image_id = changes.pop("image", annotation.image_id)
        if image_id != annotation.image_id:
            raise BadAnnotation("an annotation cannot move to another image; create a new one")
        if "annotation_type" in changes:
            _, types = self._resolve([{"annotation_type": changes["annotation_type"]}])
            changes["annotation_type"] = types[changes["annotation_type"]]
        with service_errors():
            annotation = services.update_annotation(
                user=request.user, annotation=annotation, **changes
            )
        return Response(self.get_serializer(annotation).data)

    def _check_unmodified(self, annotation: Annotation, data: Any) -> None:
        """409 with the current state when ``expected_last_edit_time`` is older than the row's:
        someone else changed the annotation since this client read it."""
        raw = data.get("expected_last_edit_time") if isinstance(data, dict) else None
        if raw in (None, ""):
            return
        try:
            expected = parse_exact_datetime(str(raw))
        except ValueError as exc:
            raise BadAnnotation(f"expected_last_edit_time: {exc}") from exc
        if annotation.last_edit_time > expected + EDIT_TIME_SLACK:
            raise EditConflict(self.get_serializer(annotation).data)

    @extend_schema(request=AnnotationInputSerializer, responses=AnnotationSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def perform_destroy(self, instance: Any) -> None:
        self.check_sets(self.sets_of_instance(instance), Action.DELETE_ANNOTATION)
        services.delete_annotation(user=self.request.user, annotation=instance)

    @extend_schema(
        parameters=[OpenApiParameter("id__in", OpenApiTypes.STR, required=True)],
        request=None,
        responses={204: None},
    )
    @action(detail=False, methods=["delete"])
    def multiple_delete(self, request: Request) -> Response:
        """Hard-delete the listed annotations (``?id__in=1,2,3``) that the user may delete."""
        ids = _int_list(request.query_params.get("id__in", ""), "id__in")
        if not ids:
            raise BadAnnotation("id__in is required, e.g. ?id__in=1,2,3")
        doomed = list(self.get_queryset().filter(id__in=ids).select_related("image__image_set"))
        self.check_sets({a.image.image_set for a in doomed}, Action.DELETE_ANNOTATION)
        with transaction.atomic():
            for annotation in doomed:
                services.delete_annotation(user=request.user, annotation=annotation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Last in the class: from here on, ``list`` in an annotation would name this method.
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plain pages come from :mod:`list_rows`; others from the serializer."""
        paginator = self.paginator
        if not self.plain_json() or not isinstance(paginator, ExactPagination):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.scope(Annotation.objects.all())).order_by("id")
        if not list_rows.available(queryset):
            return super().list(request, *args, **kwargs)

        def fetch(offset: int, limit: int) -> Any:
            page_ids = queryset.values("id")[offset : offset + limit]
            return list_rows.page_json(page_ids, user=request.user)

        results = paginator.paginate_rows(request, counted=queryset, fetch=fetch)
        return paginator.get_paginated_response(list_rows.EMPTY if results is None else results)
