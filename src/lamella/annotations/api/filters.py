"""EXACT's query filters for the annotations app, plus the viewport filter."""

from typing import Any

import django_filters as df
from django.db import models

from lamella.annotations.models import (
    Annotation,
    AnnotationMediaFile,
    AnnotationType,
    AnnotationVersion,
    Product,
    Verification,
)
from lamella.api.filters import ExactBooleanFilter, ExactFilterSet, IdFilter, IdInFilter


class ProductFilter(ExactFilterSet):
    annotationtype = IdFilter(field_name="annotationtype")

    class Meta(ExactFilterSet.Meta):
        model = Product
        fields = {
            "id": ["exact", "in"],
            "name": ["exact", "contains"],
            "description": ["exact", "contains"],
            "team": ["exact"],
            "creator": ["exact"],
            "imagesets": ["exact"],
        }


class AnnotationTypeFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = AnnotationType
        fields = {
            "id": ["exact", "in"],
            "name": ["exact", "contains", "in"],
            "vector_type": ["exact", "lte", "gte", "range", "in"],
            "active": ["exact"],
            "product": ["exact"],
        }


class AnnotationFilter(ExactFilterSet):
    vector_type = IdFilter(field_name="annotation_type__vector_type")
    verified_by = IdFilter(field_name="verified_by")
    annotationversion = IdFilter(field_name="annotationversion")
    meta_data__isnull = ExactBooleanFilter(field_name="meta_data", method="filter_isnull")
    vector__isnull = ExactBooleanFilter(field_name="vector", method="filter_isnull")
    image__image_set = IdFilter(field_name="image__image_set")
    image__image_set__in = IdInFilter(field_name="image__image_set")
    image__image_type = IdFilter(field_name="image__image_type")
    unique_identifier__contains = df.CharFilter(
        field_name="unique_identifier", lookup_expr="icontains"
    )

    class Meta(ExactFilterSet.Meta):
        model = Annotation
        fields = {
            "id": ["exact", "in"],
            "time": ["exact", "lte", "gte", "range"],
            "last_edit_time": ["exact", "lte", "gte", "range"],
            "unique_identifier": ["exact", "in"],
            "description": ["exact", "contains"],
            "deleted": ["exact"],
            "generated": ["exact"],
            "image": ["exact", "in"],
            "user": ["exact"],
            "last_editor": ["exact"],
            "annotation_type": ["exact", "in"],
        }

    def filter_isnull(
        self, queryset: models.QuerySet[Annotation], name: str, value: Any
    ) -> models.QuerySet[Annotation]:
        if value is None:
            return queryset
        # JSON null and SQL NULL both mean "no value" to a client.
        empty = models.Q(**{f"{name}__isnull": True}) | models.Q(**{name: None})
        return queryset.filter(empty) if value else queryset.exclude(empty)


class VerificationFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = Verification
        fields = {
            "id": ["exact"],
            "annotation": ["exact"],
            "user": ["exact"],
            "time": ["exact", "lte", "gte", "range"],
            "verified": ["exact"],
        }


class AnnotationVersionFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = AnnotationVersion
        fields = ["id", "version", "annotation", "image", "deleted", "annotation_type"]


class AnnotationMediaFileFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = AnnotationMediaFile
        fields = {
            "id": ["exact"],
            "name": ["exact", "contains"],
            "media_file_type": ["exact"],
            "annotation": ["exact"],
        }
