"""``/annotations/api/annotation/…``: SlideRunner's load, create, update, delete and verify."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.accounts.access import (
    get_annotation_for_user,
    get_image_for_user,
    get_image_set_for_user,
)
from lamella.accounts.policy import Action
from lamella.legacy import inputs, selectors, services
from lamella.legacy.http import bad_input_is_400, legacy_route
from lamella.legacy.serializers import annotation_type_to_dict


def _optional_fields(data: Any) -> dict[str, Any]:
    """The optional annotation fields present in a legacy body, parsed."""
    fields: dict[str, Any] = {}
    for name in ("deleted", "blurred", "concealed"):
        if data.get(name) is not None:
            fields[name] = inputs.boolean(data[name], name)
    if data.get("description") is not None:
        fields["description"] = str(data["description"])[:1000]
    if "meta_data" in data:
        fields["meta_data"] = data["meta_data"]
    last_edit_time = inputs.timestamp(data, "last_edit_time")
    if last_edit_time is not None:
        fields["last_edit_time"] = last_edit_time
    return fields


def _vector(data: Any) -> Any:
    if "vector" not in data:
        raise ParseError("vector is required (null for 'not in image').")
    return data["vector"]


@legacy_route(["GET"])
def load(request: Request) -> Response:
    """``GET load/?image_id=``: ``{"annotations": [...]}`` of one image."""
    params = request.query_params
    image = get_image_for_user(request.user, inputs.integer(params, "image_id"))
    vector_type = params.get("vector_type")
    queryset = selectors.annotations_to_load(
        user=request.user,
        image=image,
        include_deleted=inputs.optional_boolean(params, "include_deleted", False),
        vector_type=None if vector_type is None else inputs.integer(params, "vector_type"),
    )
    return Response({"annotations": selectors.annotation_dicts(queryset)})


@legacy_route(["POST"], write=True)
def create(request: Request) -> Response:
    """``POST create/``: 201 ``{"annotations": {...}}``; upserts by ``unique_identifier``."""
    data = inputs.body(request)
    image = get_image_for_user(request.user, inputs.integer(data, "image_id"), Action.ANNOTATE)
    type_id = inputs.integer(data, "annotation_type_id")
    annotation_type = selectors.type_for_image_set(type_id, image.image_set)
    if annotation_type is None:
        raise ParseError(f"annotation_type_id {type_id} is not a type of this image set.")
    with bad_input_is_400():
        annotation = services.create_annotation(
            user=request.user,
            image=image,
            annotation_type=annotation_type,
            vector=_vector(data),
            unique_identifier=inputs.identifier(data, "unique_identifier"),
            fields=_optional_fields(data),
        )
    body = {
        "annotations": selectors.one_annotation(annotation.pk),
        "tempid": data.get("tempid", False),
    }
    return Response(body, status=201)


@legacy_route(["POST"], write=True)
def update(request: Request) -> Response:
    """``POST update/``: 200 ``{"annotations": {...}}``; only the fields sent change."""
    data = inputs.body(request)
    annotation = get_annotation_for_user(
        request.user, inputs.integer(data, "annotation_id"), Action.EDIT_ANNOTATION
    )
    if (
        data.get("image_id") not in (None, "")
        and inputs.integer(data, "image_id") != annotation.image_id
    ):
        raise ParseError("image_id does not match the annotation's image.")
    changes = _optional_fields(data)
    if "vector" in data:
        changes["vector"] = data["vector"]
    if data.get("annotation_type_id") not in (None, ""):
        type_id = inputs.integer(data, "annotation_type_id")
        annotation_type = selectors.type_for_image_set(type_id, annotation.image.image_set)
        if annotation_type is None:
            raise ParseError(f"annotation_type_id {type_id} is not a type of this image set.")
        changes["annotation_type"] = annotation_type
    with bad_input_is_400():
        services.update_annotation(user=request.user, annotation=annotation, changes=changes)
    return Response({"annotations": selectors.one_annotation(annotation.pk)})


@legacy_route(["DELETE"], write=True)
def delete(request: Request) -> Response:
    """``DELETE delete/?annotation_id=&keep_deleted_element=``: soft or hard delete."""
    params = request.query_params
    annotation = get_annotation_for_user(
        request.user, inputs.integer(params, "annotation_id"), Action.DELETE_ANNOTATION
    )
    keep = inputs.optional_boolean(params, "keep_deleted_element", False)
    before = selectors.one_annotation(annotation.pk)
    services.delete_annotation(user=request.user, annotation=annotation, keep=keep)
    after = selectors.one_annotation(annotation.pk) if keep else {**before, "deleted": True}
    return Response({"annotations": after})


@legacy_route(["POST"], write=True)
def verify(request: Request) -> Response:
    """``POST verify/ {annotation_id, state: accept|reject}``."""
    data = inputs.body(request)
    state = data.get("state")
    if state not in ("accept", "reject"):
        raise ParseError("state must be 'accept' or 'reject'.")
    annotation = get_annotation_for_user(
        request.user, inputs.integer(data, "annotation_id"), Action.VERIFY
    )
    services.verify(user=request.user, annotation=annotation, verified=state == "accept")
    word = "verified" if state == "accept" else "rejected"
    return Response(
        {"annotation": selectors.one_annotation(annotation.pk), "detail": f"you {word} it"}
    )


@legacy_route(["GET"])
def load_annotation_types(request: Request) -> Response:
    """``GET loadannotationtypes/?imageset_id=``: ``{"annotation_types": [...]}``."""
    image_set = None
    if request.query_params.get("imageset_id") not in (None, ""):
        image_set = get_image_set_for_user(
            request.user, inputs.integer(request.query_params, "imageset_id")
        )
    types = selectors.annotation_types_for(request.user, image_set)
    return Response({"annotation_types": [annotation_type_to_dict(t) for t in types]})
