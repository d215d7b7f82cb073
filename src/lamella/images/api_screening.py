"""REST API v1 for screening modes (``/api/v1/images/screening_modes/``), EXACT's fields.

Input: ``image``, ``screening_tiles`` (see ``lamella.images.screening``), ``x_steps``,
``y_steps``, ``x_resolution``, ``y_resolution``, ``current_index``, and Lamella's write-only
``mark_screened`` (tile indices to mark besides the current one). The grid and the indices are
checked against each other; a bad one is a 400 saying what is wrong. Output: the row, ``user``
filled in from the request. A ``PATCH`` with ``current_index`` marks that tile screened, as in
EXACT; the viewer sends ``?fields=id,current_index`` so a move does not echo the whole grid.
"""

from collections.abc import Mapping
from typing import Any

from django.db import models
from rest_framework import serializers

from lamella.accounts.policy import Action
from lamella.api.filters import ExactFilterSet
from lamella.api.serializers import ExactModelSerializer, expand
from lamella.api.viewsets import ExactViewSet, instance_of
from lamella.images import screening
from lamella.images import services_screening as services
from lamella.images.models import ScreeningMode


class ScreeningModeSerializer(ExactModelSerializer):
    mark_screened = serializers.ListField(
        child=serializers.IntegerField(min_value=0),
        write_only=True,
        required=False,
        max_length=1000,
        help_text="Tiles to mark screened besides current_index (Lamella's addition).",
    )

    class Meta:
        model = ScreeningMode
        fields = (
            "id",
            "image",
            "user",
            "screening_tiles",
            "x_steps",
            "y_steps",
            "x_resolution",
            "y_resolution",
            "current_index",
            "mark_screened",
        )
        read_only_fields = ("user",)
        extra_kwargs = {
            name: {"min_value": 0}
            for name in ("x_steps", "y_steps", "x_resolution", "y_resolution", "current_index")
        }
        expandable_fields = {
            "image": expand("lamella.images.api.ImageSerializer"),
            "user": expand("lamella.accounts.api.UserSerializer"),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The grid, its steps and the indices must agree, old values filling in for a PATCH."""

        def value(name: str, default: Any) -> Any:
            return attrs[name] if name in attrs else getattr(self.instance, name, default)

        # A move (current_index, mark_screened) sends no grid: its indices are checked by the
        # service against the stored grid, read once under a lock.
        if not {"screening_tiles", "x_steps", "y_steps"} & set(attrs):
            return attrs
        tiles = value("screening_tiles", {})
        problem = screening.grid_problem(
            tiles, x_steps=value("x_steps", 0), y_steps=value("y_steps", 0)
        )
        if problem:
            raise serializers.ValidationError({"screening_tiles": problem})
        problem = screening.index_problem(tiles, value("current_index", 0))
        if problem:
            raise serializers.ValidationError({"current_index": problem})
        for index in attrs.get("mark_screened", []):
            problem = screening.index_problem(tiles, index, "mark_screened")
            if problem:
                raise serializers.ValidationError({"mark_screened": problem})
        return attrs


class ScreeningModeFilter(ExactFilterSet):
    class Meta(ExactFilterSet.Meta):
        model = ScreeningMode
        fields = ["id", "image", "user"]


class ScreeningModeViewSet(ExactViewSet):
    """Screening modes of readable sets. Anyone who may read the set keeps their own row;
    changing someone else's needs the right to edit the set."""

    queryset = ScreeningMode.objects.all()
    serializer_class = ScreeningModeSerializer
    filterset_class = ScreeningModeFilter
    set_path = "image__image_set"

    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = super().get_queryset()
        data = self.request.data
        # Any JSON may come in (a number, a list): only an object can hold a grid.
        if self.request.method in ("PATCH", "PUT") and not (
            isinstance(data, Mapping) and "screening_tiles" in data
        ):
            # A move: the service reads the grid under its lock; reading it here too would
            # double the cost of every key press on a large slide.
            queryset = queryset.defer("screening_tiles")
        return queryset

    def _owner_action(self, instance: Any) -> Action:
        return Action.READ if instance.user_id == self.request.user.pk else Action.EDIT_SET

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        self.check_sets(self.sets_of_data(data), Action.READ)
        data.pop("mark_screened", None)
        image = data.pop("image")
        try:
            serializer.instance = services.create_screening(
                user=self.request.user, image=image, **data
            )
        except services.ScreeningError as error:
            raise serializers.ValidationError({error.field: str(error)}) from error

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        instance = instance_of(serializer)
        changes = dict(serializer.validated_data)
        self.check_sets(self.sets_of_instance(instance), self._owner_action(instance))
        self.check_sets(self.sets_of_data(changes), Action.READ)
        mark = changes.pop("mark_screened", [])
        try:
            serializer.instance = services.update_screening(
                mode=instance, changes=changes, mark=mark
            )
        except services.ScreeningError as error:
            raise serializers.ValidationError({error.field: str(error)}) from error

    def perform_destroy(self, instance: Any) -> None:
        self.check_sets(self.sets_of_instance(instance), self._owner_action(instance))
        instance.delete()
