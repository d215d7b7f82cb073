"""Base viewsets: rows scoped by the permission policy, writes checked against it.

A viewset names the path from its model to the image set that governs it (``set_path``) and
the policy action each write needs. Reads show exactly the rows of readable sets; a write on
a set the user cannot read is a 404, on a readable set without the right a 403.
"""

from collections.abc import Iterable
from typing import Any, ClassVar

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.serializers import BaseSerializer

from lamella.accounts.policy import Action, can, readable_set_filter
from lamella.api.prefetch import cached_plan
from lamella.images.models import ImageSet


def is_superuser(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


def readable_set_ids(user: Any) -> Any:
    """A subquery of readable set ids, or None when everything is readable."""
    if is_superuser(user):
        return None
    return ImageSet.objects.filter(readable_set_filter(user)).values("id")


def require(user: Any, image_set: ImageSet | None, action: Action) -> None:
    """Raise 404 when ``user`` may not read ``image_set``, 403 when it may not ``action`` it."""
    if image_set is None:
        if not is_superuser(user):
            raise PermissionDenied("Only administrators may change objects outside image sets.")
        return
    if not can(user, image_set, Action.READ):
        raise NotFound(f"Image set {image_set.pk} not found.")
    if not can(user, image_set, action):
        raise PermissionDenied(f"You may not {action.value.replace('_', ' ')} in this image set.")


def instance_of(serializer: BaseSerializer) -> Any:
    """The object an update serializer was bound to (typed loosely for the policy checks)."""
    return serializer.instance


def walk(obj: Any, path: str) -> Any:
    for attribute in path.split("__"):
        if obj is None:
            return None
        obj = getattr(obj, attribute)
    return obj


class ExactViewSet(viewsets.ModelViewSet):
    """A ModelViewSet with EXACT's filters, flex-field prefetching and policy checks."""

    filter_backends = [DjangoFilterBackend]
    #: Path from the model to its ImageSet ("" for ImageSet itself); None: not set-governed.
    set_path: ClassVar[str | None] = None
    create_action: ClassVar[Action] = Action.EDIT_SET
    update_action: ClassVar[Action] = Action.EDIT_SET
    delete_action: ClassVar[Action] = Action.EDIT_SET

    # Reads -----------------------------------------------------------------------------------
    def scope(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Only the rows the request's user may read."""
        if self.set_path is None:
            return queryset
        ids = readable_set_ids(self.request.user)
        if ids is None:
            return queryset
        lookup = f"{self.set_path}__in" if self.set_path else "id__in"
        return queryset.filter(**{lookup: ids})

    def annotate_for_output(self, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """Hook for set-based computed fields (e.g. ``verified_by_user``)."""
        return queryset

    def get_queryset(self) -> models.QuerySet[Any]:
        queryset = self.scope(super().get_queryset())
        if self.request.method == "GET":
            plan = cached_plan(self.get_serializer_class(), self.get_serializer_context())
            queryset = queryset.prefetch_related(*plan)
            queryset = self.annotate_for_output(queryset)
        return queryset.order_by("id")

    # Writes ----------------------------------------------------------------------------------
    def sets_of_instance(self, instance: Any) -> list[ImageSet | None]:
        if self.set_path is None:
            return [None]
        return [walk(instance, self.set_path) if self.set_path else instance]

    def sets_of_data(self, data: dict[str, Any]) -> list[ImageSet | None]:
        """Image sets a create or update would attach the object to."""
        if self.set_path is None:
            return [None]
        head, _, rest = self.set_path.partition("__")
        if head not in data:
            return []
        return [walk(data[head], rest) if rest else data[head]]

    def check_sets(self, sets: Iterable[ImageSet | None], action: Action) -> None:
        seen: set[int | None] = set()
        for image_set in sets:
            key = image_set.pk if image_set is not None else None
            if key not in seen:
                seen.add(key)
                require(self.request.user, image_set, action)

    def perform_create(self, serializer: BaseSerializer) -> None:
        self.check_sets(self.sets_of_data(serializer.validated_data), self.create_action)
        serializer.save(**self.create_extras())

    def create_extras(self) -> dict[str, Any]:
        return {}

    def perform_update(self, serializer: BaseSerializer) -> None:
        self.check_sets(self.sets_of_instance(serializer.instance), self.update_action)
        self.check_sets(self.sets_of_data(serializer.validated_data), self.update_action)
        serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        self.check_sets(self.sets_of_instance(instance), self.delete_action)
        instance.delete()
