"""The base output serializer: drf-flex-fields plus EXACT's datetime format.

``?expand=a,b.c``, ``?fields=a,b.c`` and ``?omit=a`` work on every serializer built on it;
unexpanded relations are ids or id lists, as in EXACT. DRF's BooleanField already accepts
``0/1`` as the generated client sends them.
"""

from typing import Any

from django.db import models
from rest_flex_fields import FlexFieldsModelSerializer
from rest_framework import serializers

from lamella.api.fields import NaiveDateTimeField


class ExactModelSerializer(FlexFieldsModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: NaiveDateTimeField,
    }


def expand(
    serializer: str | type[serializers.BaseSerializer], **options: Any
) -> tuple[str | type[serializers.BaseSerializer], dict[str, Any]]:
    """An ``expandable_fields`` entry: a lazily imported serializer, read-only."""
    return serializer, {"read_only": True, **options}
