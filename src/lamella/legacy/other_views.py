"""``/timesync/``, the legacy annotation-type create and the plugin-job create."""

import time

from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.accounts.access import get_image_for_user
from lamella.accounts.policy import Action, can, team_ids_of
from lamella.annotations.models import AnnotationType, Product
from lamella.jobs.models import Plugin
from lamella.legacy import inputs, services
from lamella.legacy.http import bad_input_is_400, legacy_route
from lamella.legacy.serializers import annotation_type_brief, plugin_job_to_dict


@api_view(["GET"])
@authentication_classes([])  # no auth, and bad credentials must not stop a clock check
@permission_classes([AllowAny])
def timesync(request: Request) -> Response:
    """``GET /timesync/``: the server clock; SlideRunner refuses to sync beyond 10 s skew."""
    return Response({"unixtime": time.time()})


def _product_for_types(user: object, product_id: int) -> Product:
    """The product if ``user`` may define its types: a member of its team, or allowed to edit
    a set it is attached to (EXACT checks nothing here)."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound("No such product.")
    if getattr(user, "is_superuser", False) or product.team_id in set(team_ids_of(user)):
        return product
    if any(can(user, image_set, Action.EDIT_SET) for image_set in product.imagesets.all()):
        return product
    raise NotFound("No such product.")


@legacy_route(["POST"], write=True)
def create_annotation_type(request: Request) -> Response:
    """``POST /administration/api/annotation_type/create/`` (form) → 201 ``{"annotationType"}``."""
    data = inputs.body(request)
    name = str(data.get("name") or "").strip()
    if not name:
        raise ParseError("name is required.")
    product = _product_for_types(request.user, inputs.integer(data, "product_id"))
    vector_type = inputs.integer(data, "vector_type")
    if vector_type not in AnnotationType.VectorType.values:
        raise ParseError("vector_type must be 1 to 8.")
    color = str(data.get("color_code") or "#CC4444")
    if len(color) > 7:
        raise ParseError("color_code must look like #RRGGBB.")
    with bad_input_is_400():
        annotation_type = services.create_annotation_type(
            product=product,
            name=name[:50],
            vector_type=vector_type,
            color_code=color,
            sort_order=inputs.optional_integer(data, "sort_order", 0),
            node_count=inputs.optional_integer(data, "node_count", 0),
            default_width=inputs.optional_integer(data, "default_width", 50),
            default_height=inputs.optional_integer(data, "default_height", 50),
            area_hit_test=inputs.optional_boolean(data, "area_hit_test", True),
            closed=inputs.optional_boolean(data, "closed", False),
            multi_frame=inputs.optional_boolean(data, "multi_frame", False),
            enable_blurred=inputs.optional_boolean(data, "enable_blurred", False),
            active=inputs.optional_boolean(data, "active", True),
        )
    return Response({"annotationType": annotation_type_brief(annotation_type)}, status=201)


@legacy_route(["POST"], write=True)
def create_plugin_job(request: Request) -> Response:
    """``POST /processing/api/plugin_job/create/ {image_id, plugin_id}`` → 201 PluginJob."""
    data = inputs.body(request)
    image = get_image_for_user(request.user, inputs.integer(data, "image_id"), Action.ANNOTATE)
    plugin = Plugin.objects.filter(pk=inputs.integer(data, "plugin_id")).first()
    if plugin is None:
        raise NotFound("No such plugin.")
    with bad_input_is_400():
        job = services.create_plugin_job(user=request.user, image=image, plugin=plugin)
    return Response(plugin_job_to_dict(job), status=201)
