"""Live co-annotation: a server-sent event stream of the annotation changes of one image.

The change feed is the append-only ``AnnotationHistory`` table, polled inside the stream for
rows with an id above the last one sent. Polling the database (instead of an in-process queue)
works on SQLite and PostgreSQL alike and sees writes from every web and worker process.

A stream lives for a bounded time (``LAMELLA_EVENTS_LIFETIME`` seconds, default 25) and then
ends: a WSGI thread is never held for good, and the browser's EventSource reconnects by itself,
sending ``Last-Event-ID`` so that nothing is missed in between.
"""

import json
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Max
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from lamella.accounts.policy import Action, can
from lamella.annotations.models import Annotation, AnnotationHistory
from lamella.api.fields import format_exact_datetime
from lamella.images.models import Image

POLL_SECONDS = 0.5
# A comment line this often: keeps proxies from closing an idle stream, and a write to a closed
# connection is how a WSGI server learns the viewer has gone and frees its thread.
HEARTBEAT_SECONDS = 2.0
BATCH = 200
# The browser waits this long (ms) before reconnecting after a stream ends.
RETRY_MS = 1000


def _lifetime() -> float:
    return float(getattr(settings, "LAMELLA_EVENTS_LIFETIME", 25.0))


def _heartbeat_seconds() -> float:
    return float(getattr(settings, "LAMELLA_EVENTS_HEARTBEAT", HEARTBEAT_SECONDS))


def _poll_seconds() -> float:
    return float(getattr(settings, "LAMELLA_EVENTS_POLL", POLL_SECONDS))


def _annotation_state(annotation: Annotation | None) -> dict[str, Any]:
    if annotation is None:  # deleted for good since: the history row is all there is
        return {}
    return {
        "unique_identifier": str(annotation.unique_identifier),
        "last_edit_time": format_exact_datetime(annotation.last_edit_time),
        "user": annotation.user_id,
        "last_editor": annotation.last_editor_id,
        "generated": annotation.generated,
        "score": annotation.score,
        "concealed": annotation._concealed,
        "blurred": annotation._blurred,
        "frame": annotation.frame,
    }


def changes_after(image_id: int, last_id: int, limit: int = BATCH) -> list[dict[str, Any]]:
    """The changes to ``image_id``'s annotations recorded after history row ``last_id``.

    Each is ``{"event_id", "action", "actor", "annotation": {...}}``; the annotation carries the
    state written by that change plus the row's current identifiers and flags.
    """
    rows = list(
        AnnotationHistory.objects.filter(image_id_snapshot=image_id, id__gt=last_id).order_by("id")[
            :limit
        ]
    )
    current = Annotation.objects.in_bulk({row.annotation_id for row in rows})
    changes = []
    for row in rows:
        state = _annotation_state(current.get(row.annotation_id))
        changes.append(
            {
                "event_id": row.pk,
                "action": row.action,
                "actor": row.user_id,
                "annotation": {
                    "id": row.annotation_id,
                    "image": image_id,
                    "annotation_type": row.annotation_type_id_snapshot,
                    "vector": row.vector,
                    "deleted": row.deleted or not state,
                    "description": row.description,
                    "meta_data": row.meta_data,
                    **state,
                    # The time of this change, not the row's latest: a viewer that reconnects
                    # gets a create and a later delete in one batch, and with the row's time on
                    # both it took the delete for no newer than the create and dropped it.
                    "last_edit_time": format_exact_datetime(row.time),
                },
            }
        )
    return changes


def latest_event_id() -> int:
    """The newest history row id: where a stream without ``Last-Event-ID`` starts."""
    return int(AnnotationHistory.objects.aggregate(top=Max("id"))["top"] or 0)


def event_stream(
    image_id: int, last_id: int, *, lifetime: float, poll: float, heartbeat: float
) -> Iterator[str]:
    """Server-sent events for ``image_id`` from ``last_id`` on, for ``lifetime`` seconds."""
    yield f"retry: {RETRY_MS}\n: lamella annotation events for image {image_id}\n\n"
    deadline = time.monotonic() + lifetime
    next_heartbeat = time.monotonic() + heartbeat
    try:
        while True:
            for change in changes_after(image_id, last_id):
                last_id = change["event_id"]
                data = json.dumps(change, separators=(",", ":"))
                yield f"id: {last_id}\nevent: annotation\ndata: {data}\n\n"
            now = time.monotonic()
            if now >= deadline:
                # Tells the client where to resume; EventSource reconnects on its own.
                yield f"event: bye\ndata: {json.dumps({'last_event_id': last_id})}\n\n"
                return
            if now >= next_heartbeat:
                # A comment line keeps proxies from closing an idle connection.
                yield ": heartbeat\n\n"
                next_heartbeat = now + heartbeat
            time.sleep(min(poll, max(deadline - now, 0.0)))
    finally:
        # The stream outlives the request cycle's own cleanup: give the connection back.
        close_old_connections()


def _last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise ValueError(f"Last-Event-ID must be an event number, not {raw!r}")
    return int(raw)


@require_GET
def annotation_events(request: HttpRequest) -> HttpResponseBase:
    """``GET /api/v1/annotations/events/?image=<id>``: a ``text/event-stream`` of changes."""
    raw_image = request.GET.get("image", "")
    if not raw_image.isdigit():
        return JsonResponse({"detail": "image=<id> is required"}, status=400)
    image = Image.objects.select_related("image_set").filter(pk=int(raw_image)).first()
    if image is None or not can(request.user, image.image_set, Action.READ):
        return JsonResponse({"detail": f"Image {raw_image} not found."}, status=404)
    try:
        last_id = _last_event_id(request)
    except ValueError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    if last_id is None:
        last_id = latest_event_id()
    stream = event_stream(
        image.pk,
        last_id,
        lifetime=_lifetime(),
        poll=_poll_seconds(),
        heartbeat=_heartbeat_seconds(),
    )
    response = StreamingHttpResponse(stream, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise buffer the whole stream
    return response
