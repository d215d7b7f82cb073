"""The exports page: per readable set, download its annotations in a format of
``lamella.interop``. Importing is in :mod:`lamella.web.views_pages.imports`."""

import logging
import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from lamella.accounts.access import get_image_set_for_user
from lamella.accounts.policy import Action
from lamella.annotations.transfer import ExportError, export_annotations
from lamella.images.storage import clean_name
from lamella.web import selectors_pages as selectors
from lamella.web.forms_exports import ExportForm
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
