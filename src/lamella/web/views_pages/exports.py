"""The exports page: per readable set, download its annotations in a format of
``lamella.interop``; import a file into a set with a dry-run report first."""

import logging
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from lamella.accounts.access import get_image_set_for_user
from lamella.accounts.policy import Action
from lamella.annotations.transfer import (
    ExportError,
    ImportFailed,
    export_annotations,
    import_annotations,
)
from lamella.images.storage import clean_name
from lamella.web import selectors_pages as selectors
from lamella.web.forms_exports import ExportForm, ImportForm
from lamella.web.views_pages._common import render_invalid

logger = logging.getLogger(__name__)

SETS_PER_PAGE = 50
SUFFIX = {"sliderunner": "sqlite", "dicom": "dcm", "asap": "xml", "geojson": "geojson"}
SUFFIX |= {"coco": "json", "midog": "json", "wkt": "csv", "csv": "csv"}


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    """Every set the user may read, each with a format picker and download button."""
    page = Paginator(selectors.exportable_sets(request.user), SETS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "image_sets": page.object_list, "form": ExportForm()}
    return render(request, "web/export_list.html", context)


@login_required
def export_download(request: HttpRequest, set_id: int) -> HttpResponseBase:
    """The set's annotations as a file; a format the set cannot be written in is a 400."""
    image_set = get_image_set_for_user(request.user, set_id, Action.CREATE_EXPORT)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render_invalid(
            request, "web/export_error.html", {"form": form, "image_set": image_set}
        )
    name = form.cleaned_data["format"]
    # A real file: the SQLite and DICOM writers need one. Unlinked at once; the handle keeps it.
    with tempfile.NamedTemporaryFile(prefix="lamella-export-", delete=False) as out:
        path = Path(out.name)
    try:
        export_annotations(
            user=request.user,
            image_set=image_set,
            format=name,
            out=str(path),
            include_deleted=form.cleaned_data["include_deleted"],
        )
        handle = path.open("rb")
    except (ExportError, ValueError) as error:  # ValueError: a name the format cannot hold
        form.add_error("format", str(error))
        return render_invalid(
            request, "web/export_error.html", {"form": form, "image_set": image_set}
        )
    finally:
        path.unlink(missing_ok=True)
    filename = f"{clean_name(image_set.name)}.{SUFFIX.get(name, 'txt')}"
    return FileResponse(handle, as_attachment=True, filename=filename)


def _run_import(request: HttpRequest, form: ImportForm, image_set_id: int) -> dict[str, object]:
    image_set = get_image_set_for_user(request.user, image_set_id, Action.ANNOTATE)
    upload: UploadedFile = form.cleaned_data["file"]
    with tempfile.TemporaryDirectory(prefix="lamella-import-") as folder:
        # Kept under its own name: single-image formats match images by the file's stem.
        path = Path(folder) / clean_name(upload.name or "upload")
        with path.open("wb") as target:
            for chunk in upload.chunks():
                target.write(chunk)
        try:
            report = import_annotations(
                user=request.user,
                image_set=image_set,
                path=path,
                format=form.cleaned_data["format"] or None,
                create_types=form.cleaned_data["create_types"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportFailed as failure:
            return {"failure": str(failure), "report": failure.report.as_dict()}
    return {"report": report.as_dict(), "summary": report.summary()}


@login_required
def import_page(request: HttpRequest, set_id: int) -> HttpResponse:
    """Import a file into the set; the report says what was (or would be) created."""
    image_set = get_image_set_for_user(request.user, set_id, Action.ANNOTATE)
    bound = request.method == "POST"
    form = ImportForm(request.POST if bound else None, request.FILES if bound else None)
    context: dict[str, object] = {"image_set": image_set, "form": form}
    if request.method != "POST":
        return render(request, "web/import.html", context)
    if not form.is_valid():
        return render_invalid(request, "web/import.html", context)
    context |= _run_import(request, form, image_set.pk)
    if "failure" in context:
        return render_invalid(request, "web/import.html", context)
    return render(request, "web/import.html", context)
