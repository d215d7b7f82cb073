"""Uploads from the image set page (a plain form; the page's script prefers tus) and the
ingest states it polls while images convert."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from lamella.accounts.access import get_image_set_for_user
from lamella.images import services
from lamella.web import selectors_pages as selectors
from lamella.web.views_pages.imagesets import page_context


@login_required
@require_POST
def set_upload(request: HttpRequest, set_id: int) -> HttpResponse:
    """Files posted as ``files``; all or nothing, like every upload."""
    image_set = get_image_set_for_user(request.user, set_id)
    files: list[services.UploadSource] = [
        (upload.name or "upload", upload) for upload in request.FILES.getlist("files")
    ]
    try:
        outcome = services.upload(user=request.user, image_set=image_set, files=files)
    except services.UploadError as error:
        # The page again, answered with the upload's status (400, 403, 413).
        context = page_context(request, image_set) | {"upload_error": error.detail}
        return render(request, "web/set_detail.html", context, status=error.status)
    skipped = f"; {len(outcome.duplicates)} already there" if outcome.duplicates else ""
    messages.success(request, f"{len(outcome.created)} image(s) uploaded{skipped}.")
    return redirect("image-set", set_id=image_set.pk)


@login_required
@require_GET
def set_status(request: HttpRequest, set_id: int) -> JsonResponse:
    """``{"images": [{id, ingest_state, ingest_progress, ingest_error}]}`` for auto-refresh."""
    image_set = get_image_set_for_user(request.user, set_id)
    return JsonResponse({"images": selectors.ingest_states(image_set)})
