"""The slide viewer page: checks read access and hands the viewer its configuration."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import ensure_csrf_cookie

from lamella.accounts.policy import get_perms, readable_set_filter
from lamella.annotations.models import AnnotationType
from lamella.api.fields import format_exact_datetime
from lamella.images.models import Image
from lamella.tiles.selectors import checksum_prefix

TYPE_FIELDS = (
    "id",
    "name",
    "vector_type",
    "color_code",
    "default_width",
    "default_height",
    "closed",
    "node_count",
    "multi_frame",
    "sort_order",
    "keyboard_shortcut",
    "active",
    "product_id",
)


def readable_image(user: Any, image_id: int) -> Image:
    """The image if ``user`` may read its set; 404 otherwise, so nobody learns it exists."""
    image = (
        Image.objects.filter(readable_set_filter(user, prefix="image_set__"), pk=image_id)
        .select_related("image_set")
        .first()
    )
    if image is None:
        raise Http404("No such image.")
    return image


def annotation_types_of(image: Image) -> list[dict[str, Any]]:
    """The active types of the products attached to the image's set, in palette order."""
    types = (
        AnnotationType.objects.filter(product__imagesets=image.image_set_id, active=True)
        .order_by("sort_order", "id")
        .values(*TYPE_FIELDS)
        .distinct()
    )
    return list(types)


def display_channels(image: Image) -> list[dict[str, Any]]:
    """Channels the viewer offers controls for: none for 8-bit RGB (shown as stored)."""
    metadata = image.metadata if isinstance(image.metadata, dict) else {}
    if metadata.get("is_rgb") and metadata.get("dtype") == "uint8":
        return []
    channels: list[dict[str, Any]] = []
    for entry in metadata.get("channels") or []:
        low, high = entry.get("window", (0.0, 255.0))
        channels.append(
            {
                "name": entry.get("name") or f"channel {len(channels)}",
                "color": entry.get("color", "#ffffff"),
                "window": [low, high],
                "range": [entry.get("min", low), entry.get("max", high)],
            }
        )
    return channels


def neighbours(image: Image) -> dict[str, str | None]:
    """Viewer URLs of the previous and next image of the set, by name as the set page lists."""
    siblings = Image.objects.filter(image_set_id=image.image_set_id)
    before = siblings.filter(name__lt=image.name).order_by("-name", "-id").first()
    after = siblings.filter(name__gt=image.name).order_by("name", "id").first()

    def url(other: Image | None) -> str | None:
        return reverse("viewer", kwargs={"image_id": other.pk}) if other else None

    return {"previous": url(before), "next": url(after)}


def viewer_config(request: HttpRequest, image: Image) -> dict[str, Any]:
    """Everything the viewer needs before its first request, as JSON-ready data."""
    return {
        "image": {
            "id": image.pk,
            "name": image.name,
            "width": image.width,
            "height": image.height,
            "mpp": image.mpp,
            "objectivePower": image.objectivePower,
            "frames": image.frames,
            "default_frame": image.defaultFrame,
            "image_set": image.image_set_id,
            "channels": display_channels(image),
            "collaboration_type": image.image_set.collaboration_type,
        },
        "user": {"id": request.user.pk, "username": request.user.get_username()},
        # Where the polling fallback of live updates starts (server clock, EXACT's format).
        "server_time": format_exact_datetime(timezone.now()),
        "neighbours": neighbours(image),
        # Versioned by checksum: the descriptor and its tiles are immutable and cached for good.
        "dzi_url": reverse(
            "tiles-dzi-versioned",
            kwargs={"image_id": str(image.pk), "checksum": checksum_prefix(image)},
        ),
        "annotation_types": annotation_types_of(image),
        "permissions": sorted(get_perms(request.user, image.image_set)),
        "csrf_token": get_token(request),
    }


@login_required
@ensure_csrf_cookie
def viewer(request: HttpRequest, image_id: int) -> HttpResponse:
    """The deep-zoom viewer for one image, with drawing when the user may annotate."""
    image = readable_image(request.user, image_id)
    context = {
        "image": image,
        "config": viewer_config(request, image),
        "bundle_js": static("dist/viewer.js"),
        "bundle_css": static("dist/viewer.css"),
    }
    return render(request, "web/viewer.html", context)
