"""``/images/…`` legacy routes: image set lists and loads, set creation, products, deletion."""

from typing import Any

from django.http import HttpResponse
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.accounts.access import get_image_for_user, get_image_set_for_user
from lamella.accounts.models import Team
from lamella.accounts.policy import Action, team_ids_of, team_role
from lamella.annotations.models import Product
from lamella.images.models import Image, ImageSet
from lamella.legacy import inputs, selectors, services
from lamella.legacy.http import bad_input_is_400, legacy_route
from lamella.legacy.serializers import image_to_dict, imageset_to_dict, product_to_dict


@legacy_route(["GET"])
def list_imagesets(request: Request) -> Response:
    """``GET list_imagesets/``: every readable set, high priority and newest first."""
    sets = selectors.image_sets(request.user).order_by("-priority", "-time", "-id")
    return Response([imageset_to_dict(image_set) for image_set in sets])


@legacy_route(["GET"])
def load_imageset(request: Request) -> Response:
    """``GET imageset/load/?image_set_id=``: ``{"image_set": {..., "images": [Image...]}}``."""
    pk = inputs.integer(request.query_params, "image_set_id")
    get_image_set_for_user(request.user, pk)
    image_set = selectors.image_sets(request.user).get(pk=pk)
    body = imageset_to_dict(image_set)
    images = Image.objects.filter(image_set=image_set).prefetch_related("FrameDescriptions")
    body["images"] = [image_to_dict(image) for image in images.order_by("name", "id")]
    return Response({"image_set": body})


def _team_for_new_set(user: Any, raw: Any) -> Team:
    if raw in (None, ""):
        raise ParseError("team is required, as an id or {'id': n}.")
    if raw == "id":
        # ExactManager form-encodes {"id": n} as the bare key "id": the number is lost.
        raise ParseError("team must be an id; send JSON, a form field cannot carry {'id': n}.")
    team = Team.objects.filter(pk=inputs.object_id(raw, "team")).first()
    if team is None or not (user.is_superuser or team_role(user, team.pk)):
        raise NotFound("No such team.")
    return team


def _products_for(user: Any, team: Team, raw: Any) -> list[Product]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raw = [raw]
    ids = [inputs.object_id(item, "products") for item in raw]
    teams = {team.pk, *team_ids_of(user)}
    allowed = Product.objects.filter(pk__in=ids)
    if not user.is_superuser:
        allowed = allowed.filter(team_id__in=teams)
    return list(allowed)


@legacy_route(["POST"], write=True)
def create_imageset(request: Request) -> Response:
    """``POST imageset/create/ {name, team: {id}, ...}``: a set in one of the user's teams."""
    data = inputs.body(request)
    name = str(data.get("name") or "").strip()
    if not name:
        raise ParseError("name is required.")
    team = _team_for_new_set(request.user, data.get("team"))
    priority = inputs.optional_integer(data, "priority", ImageSet.Priority.NORMAL)
    collaboration = inputs.optional_integer(data, "collaboration_type", 0)
    if priority not in ImageSet.Priority.values:
        raise ParseError("priority must be -1, 0 or 1.")
    if collaboration not in ImageSet.CollaborationType.values:
        raise ParseError("collaboration_type must be 0, 1 or 2.")
    with bad_input_is_400():
        image_set = services.create_image_set(
            user=request.user,
            team=team,
            name=name[:256],
            products=_products_for(request.user, team, data.get("products")),
            location=data.get("location") or None,
            description=data.get("description") or "",
            public=inputs.optional_boolean(data, "public", False),
            public_collaboration=inputs.optional_boolean(data, "public_collaboration", False),
            image_lock=inputs.optional_boolean(data, "image_lock", False),
            priority=priority,
            collaboration_type=collaboration,
        )
    return Response(imageset_to_dict(selectors.image_sets(request.user).get(pk=image_set.pk)))


@legacy_route(["POST"], write=True)
def add_product(request: Request) -> Response:
    """``POST imageset/product/add/`` (form ``image_set_id``, ``product_id``)."""
    data = inputs.body(request)
    image_set = get_image_set_for_user(
        request.user, inputs.integer(data, "image_set_id"), Action.EDIT_SET
    )
    product_id = inputs.integer(data, "product_id")
    product = Product.objects.filter(pk=product_id).first()
    visible_teams = {image_set.team_id, *team_ids_of(request.user)}
    if product is None or not (request.user.is_superuser or product.team_id in visible_teams):
        raise NotFound("No such product.")
    added = services.add_product(image_set=image_set, product=product)
    detail = "added a product to the imageset." if added else "imageset has the product already."
    return Response(
        {"detail": detail, "product": product_to_dict(product)}, status=201 if added else 200
    )


@legacy_route(["GET"], write=True)
def delete_image(request: Request, image_id: str) -> Response:
    """``GET image/delete/<id>/`` (a GET, as in EXACT): needs delete_images, no image lock."""
    image = get_image_for_user(request.user, image_id, Action.DELETE_IMAGES)
    if image.image_set.image_lock:
        raise PermissionDenied("The image set is locked.")
    services.delete_image(image=image)
    return Response({})


@legacy_route(["GET"])
def image_list(request: Request, image_set_id: str) -> HttpResponse:
    """``GET imagelist/<id>/``: SlideRunner's ``<url>?<name>,`` lines (EXACT answers 500)."""
    image_set = get_image_set_for_user(request.user, image_set_id)
    names = Image.objects.filter(image_set=image_set).order_by("name", "id")
    lines = [f"/images/image/{pk}/?{name}," for pk, name in names.values_list("id", "name")]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
