"""The verification view: step through a set's unverified annotations of one type, each with a
crop around it, and accept or reject them by keyboard.

Collaboration types (EXACT's): in a *competitive* set everyone sees and verifies only their own
annotations; in a *second opinion* set nobody verifies their own. Both rules hold for the queue
shown and for the accept/reject endpoint, so a hand-made request cannot get round them.
"""

import json
import math
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from lamella.accounts.policy import Action, can, readable_image_sets
from lamella.annotations import services
from lamella.annotations.models import Annotation, AnnotationType, Verification
from lamella.images.models import Image, ImageSet

QUEUE_LIMIT = 500
CROP_PIXELS = 512  # the crop's longer side on screen, before the browser scales it
MAX_PATCH_SIDE = 2048
Collab = ImageSet.CollaborationType


# Reads -------------------------------------------------------------------------------------------
def readable_set(user: Any, set_id: int) -> ImageSet:
    """The set if ``user`` may read it, else 404."""
    image_set = readable_image_sets(user).filter(pk=set_id).first()
    if image_set is None:
        raise Http404("No such image set.")
    return image_set


def types_of_set(image_set: ImageSet) -> list[AnnotationType]:
    """The active annotation types of the set's products, in palette order."""
    return list(
        AnnotationType.objects.filter(product__imagesets=image_set, active=True)
        .order_by("sort_order", "id")
        .distinct()
    )


def verifiable(user: Any, image_set: ImageSet, annotation_type: AnnotationType) -> QuerySet[Any]:
    """The annotations of this type in the set that ``user`` may verify under its collaboration
    type, whether verified already or not."""
    queryset = Annotation.objects.filter(
        image__image_set=image_set, annotation_type=annotation_type, deleted=False
    )
    if image_set.collaboration_type == Collab.COMPETITIVE:
        queryset = queryset.filter(user=user)
    elif image_set.collaboration_type == Collab.SECOND_OPINION:
        queryset = queryset.filter(~Q(user=user) | Q(user__isnull=True))
    return queryset


def queue(user: Any, image_set: ImageSet, annotation_type: AnnotationType) -> dict[str, Any]:
    """The unverified annotations (not yet judged by ``user``) and the progress so far."""
    candidates = verifiable(user, image_set, annotation_type)
    judged = Verification.objects.filter(annotation=OuterRef("pk"), user=user)
    pending = (
        candidates.annotate(judged=Exists(judged))
        .filter(judged=False)
        .select_related("image")
        .order_by("image__name", "image_id", "id")[:QUEUE_LIMIT]
    )
    total = candidates.count()
    done = Verification.objects.filter(annotation__in=candidates, user=user).count()
    return {
        "items": [item_of(annotation) for annotation in pending],
        "total": total,
        "done": done,
    }


def crop_of(annotation: Annotation) -> dict[str, Any] | None:
    """A ``get_patch`` region around the annotation at a level that keeps it near 512 px, and
    the annotation's box inside it in percent; None for whole-image labels."""
    image = annotation.image
    if annotation.x_min is None or annotation.y_min is None:
        return None
    x_max, y_max = annotation.x_max or annotation.x_min, annotation.y_max or annotation.y_min
    side = max(x_max - annotation.x_min, y_max - annotation.y_min, 32.0) * 2.0
    centre_x, centre_y = (annotation.x_min + x_max) / 2, (annotation.y_min + y_max) / 2
    l0_x = max(int(centre_x - side / 2), 0)
    l0_y = max(int(centre_y - side / 2), 0)
    l0_w = max(min(int(side), image.width - l0_x), 1)
    l0_h = max(min(int(side), image.height - l0_y), 1)
    level, downsample = _level_for(image, max(l0_w, l0_h) / CROP_PIXELS)
    width = min(max(math.ceil(l0_w / downsample), 1), MAX_PATCH_SIDE)
    height = min(max(math.ceil(l0_h / downsample), 1), MAX_PATCH_SIDE)
    url = reverse("tiles-patch", kwargs={"image_id": str(image.pk)})
    query = f"x={l0_x}&y={l0_y}&level={level}&width={width}&height={height}"
    if image.frames > 1:
        query += f"&frame={max(annotation.frame - 1, 0)}"
    return {
        "url": f"{url}?{query}",
        "box": [
            100 * (annotation.x_min - l0_x) / l0_w,
            100 * (annotation.y_min - l0_y) / l0_h,
            100 * (x_max - annotation.x_min) / l0_w,
            100 * (y_max - annotation.y_min) / l0_h,
        ],
    }


def _level_for(image: Image, wanted: float) -> tuple[int, float]:
    """The pyramid level whose downsample is the largest not above ``wanted`` (at least 0)."""
    metadata = image.metadata if isinstance(image.metadata, dict) else {}
    levels = metadata.get("levels") or [{"downsample": 1.0}]
    best = (0, 1.0)
    for index, level in enumerate(levels):
        downsample = float(level.get("downsample", 1.0))
        if downsample <= max(wanted, 1.0) and downsample >= best[1]:
            best = (index, downsample)
    return best


def item_of(annotation: Annotation) -> dict[str, Any]:
    """What the page shows of one annotation."""
    image = annotation.image
    viewer = reverse("viewer", kwargs={"image_id": image.pk})
    return {
        "id": annotation.pk,
        "image": image.pk,
        "image_name": image.name,
        "user": annotation.user_id,
        "generated": annotation.generated,
        "score": annotation.score,
        "description": annotation.description,
        "crop": crop_of(annotation),
        "thumbnail": reverse("tiles-thumbnail", kwargs={"image_id": str(image.pk)}),
        "viewer_url": f"{viewer}?focus={annotation.unique_identifier}",
    }


# Views -------------------------------------------------------------------------------------------
@login_required
@ensure_csrf_cookie
def verify_page(request: HttpRequest, set_id: int) -> HttpResponse:
    """``/imagesets/<id>/verify/?type=<id>``: the keyboard-driven verification view."""
    image_set = readable_set(request.user, set_id)
    if not can(request.user, image_set, Action.VERIFY):
        return render(
            request, "web/verify.html", {"image_set": image_set, "refused": True}, status=403
        )
    types = types_of_set(image_set)
    wanted = request.GET.get("type", "")
    chosen = next((t for t in types if str(t.pk) == wanted), None)
    if chosen is None and wanted:
        raise Http404("This set has no such annotation type.")
    if chosen is None:
        main = image_set.main_annotation_type_id
        chosen = next((t for t in types if t.pk == main), types[0] if types else None)
    config: dict[str, Any] = {"set": image_set.pk, "type": chosen.pk if chosen else None}
    if chosen is not None:
        config |= queue(request.user, image_set, chosen)
        config["verify_url"] = reverse(
            "verify-annotation", kwargs={"set_id": image_set.pk, "annotation_id": 0}
        )
    context = {
        "image_set": image_set,
        "types": types,
        "chosen": chosen,
        "config": config,
        "collaboration": Collab(image_set.collaboration_type).label,
        "bundle_js": static("dist/verify.js"),
    }
    return render(request, "web/verify.html", context)


@login_required
@require_POST
def verify_annotation(request: HttpRequest, set_id: int, annotation_id: int) -> JsonResponse:
    """``POST {"state": "accept"|"reject"}``: judge one annotation; answers the new progress."""
    image_set = readable_set(request.user, set_id)
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"detail": 'send a JSON object like {"state": "accept"}'}, status=400)
    state = body.get("state") if isinstance(body, dict) else None
    if state not in ("accept", "reject"):
        return JsonResponse({"detail": "state must be 'accept' or 'reject'"}, status=400)
    annotation = (
        Annotation.objects.filter(pk=annotation_id, image__image_set=image_set, deleted=False)
        .select_related("annotation_type")
        .first()
    )
    if annotation is None:
        return JsonResponse(
            {"detail": f"annotation {annotation_id} is not in this set"}, status=404
        )
    if not can(request.user, image_set, Action.VERIFY):
        return JsonResponse({"detail": "you may not verify annotations in this set"}, status=403)
    allowed = verifiable(request.user, image_set, annotation.annotation_type)
    if not allowed.filter(pk=annotation.pk).exists():
        rule = Collab(image_set.collaboration_type).label.lower()
        return JsonResponse(
            {"detail": f"in a {rule} set you may not verify this annotation"}, status=403
        )
    services.verify_annotation(user=request.user, annotation=annotation, verified=state == "accept")
    done = Verification.objects.filter(annotation__in=allowed, user=request.user).count()
    return JsonResponse(
        {"id": annotation.pk, "verified": state == "accept", "done": done, "total": allowed.count()}
    )
