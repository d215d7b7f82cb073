"""EXACT's ``field__lookup`` query filters, lenient where EXACT's clients are.

Booleans accept ``1/0/true/false``; datetimes accept EXACT's spellings (the viewer sends
``last_edit_time__gte=YYYY-MM-DD+HH:MM:SS``); relations filter by integer id without loading
the related row. Invalid values give a 400 naming the parameter.
"""

import datetime as dt
from typing import Any

import django_filters as df
from django import forms
from django.db import models

from lamella.api.fields import parse_exact_datetime

# Ids are 64-bit signed; larger numbers would make the database raise instead of matching nothing.
MAX_ID = 2**63 - 1


class ExactDateTimeFormField(forms.Field):
    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value
        try:
            return parse_exact_datetime(str(value))
        except ValueError as exc:
            # The problem goes in as a parameter: the message is %-formatted later, and a
            # value such as "?%" in it made that formatting raise (a 500 found by schemathesis).
            raise forms.ValidationError("%(problem)s", params={"problem": str(exc)}) from exc


class ExactDateTimeFilter(df.Filter):
    field_class = ExactDateTimeFormField


class ExactBooleanFormField(forms.NullBooleanField):
    """``1/0/true/false`` in any case; anything else is an error, not a silently ignored filter."""

    widget = forms.TextInput
    TRUE = frozenset({"1", "true", "yes", "on"})
    FALSE = frozenset({"0", "false", "no", "off"})

    # NullBooleanField returns None for "no filter"; django-stubs types it as BooleanField's.
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(
            "%(value)r is not a boolean; use true, false, 1 or 0", params={"value": value}
        )

    def validate(self, value: Any) -> None:
        return None


class ExactBooleanFilter(df.BooleanFilter):
    field_class = ExactBooleanFormField


class IdFormField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -MAX_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(df.NumberFilter):
    field_class = IdFormField


class IdInFilter(df.BaseInFilter, IdFilter):
    """``id__in=1,2,3``."""


class BoundedNumberFormField(forms.FloatField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -1e300)
        kwargs.setdefault("max_value", 1e300)
        super().__init__(**kwargs)


class NumberFilter(df.NumberFilter):
    field_class = BoundedNumberFormField


class ExactFilterSet(df.FilterSet):
    """Base class: EXACT's leniency applied to every generated filter."""

    class Meta:
        filter_overrides = {
            models.BooleanField: {"filter_class": ExactBooleanFilter},
            models.DateTimeField: {"filter_class": ExactDateTimeFilter},
            models.ForeignKey: {"filter_class": IdFilter},
            models.OneToOneField: {"filter_class": IdFilter},
            models.ManyToManyField: {"filter_class": IdFilter},
            models.AutoField: {"filter_class": IdFilter},
            models.BigAutoField: {"filter_class": IdFilter},
            models.IntegerField: {"filter_class": IdFilter},
            models.BigIntegerField: {"filter_class": IdFilter},
            models.FloatField: {"filter_class": NumberFilter},
        }

    def __init__(
        self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: Any = None
    ) -> None:
        # django-filter deep-copies every filter and builds a form field for each on every
        # request: for the annotation list, more than half of a page's cost. A filter whose
        # parameter is absent filters nothing, so only those named in the query are kept
        # (``name`` itself or a widget's ``name_<suffix>``); the class keeps them all for the
        # schema.
        if data is not None and prefix is None:
            asked = [str(key) for key in data]
            every: dict[str, Any] = vars(type(self))["base_filters"]  # set by the metaclass
            self.base_filters = {
                name: filter_
                for name, filter_ in every.items()
                if any(key == name or key.startswith(f"{name}_") for key in asked)
            }
        super().__init__(data, queryset, request=request, prefix=prefix)
