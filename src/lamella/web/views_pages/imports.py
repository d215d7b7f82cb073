"""The import page of a set, the progress page of one import, and the JSON that page polls.

A real import, or a dry run of a large file, runs as a background job (see
:mod:`lamella.web.services_imports`): the form redirects to the job's progress page, which
shows records read, the share of the file read, the log, and at the end the report or the
failure. Without JavaScript the form posts plainly and the progress page refreshes itself.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from lamella.accounts.access import get_image_set_for_user
from lamella.accounts.models import User
from lamella.accounts.policy import Action
from lamella.web import selectors_imports as selectors
from lamella.web import services_imports as services
from lamella.web.forms_exports import ImportForm
from lamella.web.views_pages._common import render_invalid

#: How often the progress page asks for news (ms); the page without JavaScript refreshes (s).
POLL_MS = 700
REFRESH_SECONDS = 2


@login_required
def import_page(request: HttpRequest, set_id: int) -> HttpResponse:
    """Import a file into the set: a small dry run answers with its report, anything else
    starts a job and goes to its progress page."""
    image_set = get_image_set_for_user(request.user, set_id, Action.ANNOTATE)
    bound = request.method == "POST"
    form = ImportForm(request.POST if bound else None, request.FILES if bound else None)
    context: dict[str, object] = {
        "image_set": image_set,
        "form": form,
        "imports": selectors.recent_imports(request.user, image_set),
    }
    if not bound:
        return render(request, "web/import.html", context)
    if not form.is_valid():
        return render_invalid(request, "web/import.html", context)
    data = form.cleaned_data
    upload = data["file"]
    assert isinstance(request.user, User)  # login_required
    if services.runs_in_background(dry_run=data["dry_run"], size=upload.size or 0):
        try:
            job = services.start_import(
                user=request.user,
                image_set=image_set,
                upload=upload,
                format=data["format"] or None,
                create_types=data["create_types"],
                dry_run=data["dry_run"],
            )
        except services.UnknownFormat as error:
            form.add_error("format", str(error))
            return render_invalid(request, "web/import.html", context)
        return redirect("image-set-import-job", set_id=image_set.pk, job_id=job.pk)
    context |= services.dry_run_now(
        user=request.user,
        image_set=image_set,
        upload=upload,
        format=data["format"] or None,
        create_types=data["create_types"],
    )
    if "failure" in context:
        return render_invalid(request, "web/import.html", context)
    return render(request, "web/import.html", context)


@login_required
def import_progress(request: HttpRequest, set_id: int, job_id: int) -> HttpResponse:
    """One import: its progress while it runs, its report (or failure) once it ended."""
    image_set, job = selectors.import_job_for_user(request.user, set_id, job_id)
    context = {
        "image_set": image_set,
        "job": selectors.import_state(job),
        "poll_ms": POLL_MS,
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "web/import_progress.html", context)


@login_required
def import_status(request: HttpRequest, set_id: int, job_id: int) -> JsonResponse:
    """The state the progress page polls: see ``selectors_imports.import_state``."""
    _, job = selectors.import_job_for_user(request.user, set_id, job_id)
    return JsonResponse(selectors.import_state(job))
