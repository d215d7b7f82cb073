"""Prefetch exactly what a (flex-fields shaped) serializer will read, so lists cost a fixed
number of queries whatever their length.

The plan walks the fields that will be rendered after ``fields``/``omit``/``expand`` are applied:
an id list becomes a prefetch of ids only, an expanded relation a prefetch of its rows plus
whatever its own serializer needs, recursively. ``omit=annotations`` thus skips the join.
"""

import copy
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField

#: The query parameters that change a flex-fields serializer's shape.
FLEX_PARAMETERS = ("expand", "fields", "omit", "expand[]", "fields[]", "omit[]")
# Plans by serializer class and shape; bounded, since the shape comes from the query string.
_PLANS: dict[tuple[Any, ...], list[Any]] = {}
_PLANS_LIMIT = 512


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


def cached_plan(serializer_class: type[serializers.BaseSerializer], context: Any) -> list[Any]:
    """``plan_prefetch`` of ``serializer_class`` for this request's shape, computed once per
    shape: building a serializer's fields to plan costs more than a 50-row page's queries.
    Each call gets its own copy, as Django may annotate lookups while prefetching."""
    request = context.get("request")
    params: Any = getattr(request, "query_params", None) or {}
    shape = tuple(tuple(params.getlist(name)) if name in params else () for name in FLEX_PARAMETERS)
    permitted = context.get("permitted_expands")
    key = (serializer_class, shape, tuple(permitted) if permitted is not None else None)
    plan = _PLANS.get(key)
    if plan is None:
        plan = plan_prefetch(serializer_class(context=context))
        if len(_PLANS) >= _PLANS_LIMIT:
            _PLANS.clear()
        _PLANS[key] = plan
    return copy.deepcopy(plan)
