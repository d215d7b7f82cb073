"""Prefetch exactly what a (flex-fields shaped) serializer will read, so lists cost a fixed
number of queries whatever their length.

The plan walks the fields that will be rendered after ``fields``/``omit``/``expand`` are applied:
an id list becomes a prefetch of ids only, an expanded relation a prefetch of its rows plus
whatever its own serializer needs, recursively. ``omit=annotations`` thus skips the join.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField


def _related(model: type[models.Model], source: str) -> Any:
    try:
        return model._meta.get_field(source)
    except FieldDoesNotExist:
        # Reverse relations are named by their query name; serializers use the accessor
        # (``annotationtype_set``), so look them up by that too.
        for relation in model._meta.related_objects:
            if relation.get_accessor_name() == source:
                return relation
        return None


def _id_only_queryset(field: Any) -> models.QuerySet[Any]:
    related_model = field.related_model
    columns = ["pk"]
    if isinstance(field, models.ManyToOneRel):
        columns.append(field.field.attname)  # Django reads it to attach rows to their parent
    return related_model._default_manager.only(*columns)


def plan_prefetch(serializer: serializers.BaseSerializer, prefix: str = "") -> list[Any]:
    """Prefetch lookups for ``serializer``'s model, relative to ``prefix``."""
    if isinstance(serializer, serializers.ListSerializer):
        serializer = serializer.child  # type: ignore[assignment]
    fields: Any = serializer.fields  # type: ignore[attr-defined]
    apply_flex = getattr(serializer, "apply_flex_fields", None)
    if apply_flex is not None and not getattr(serializer, "_flex_fields_rep_applied", True):
        apply_flex(fields, serializer._flex_options_rep_only)  # type: ignore[attr-defined]
        serializer._flex_fields_rep_applied = True  # type: ignore[attr-defined]
    meta = getattr(serializer, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        return []
    lookups: list[Any] = []
    for field in fields.values():
        if field.write_only or field.source == "*":
            continue
        extra = getattr(serializer, "prefetch_for_" + field.field_name, None)
        if extra is not None:
            lookups += [f"{prefix}{lookup}" for lookup in extra()]
            continue
        relation = _related(model, field.source.split(".")[0])
        if relation is None or not relation.is_relation:
            continue
        path = f"{prefix}{field.source}"
        if isinstance(field, ManyRelatedField):
            lookups.append(Prefetch(path, queryset=_id_only_queryset(relation)))
        elif isinstance(field, serializers.BaseSerializer):
            lookups.append(path)
            lookups += plan_prefetch(field, f"{path}__")
        elif isinstance(field, RelatedField) and not getattr(relation, "concrete", True):
            lookups.append(path)  # a reverse one-to-one id is not on the row itself
    return lookups
