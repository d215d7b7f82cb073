"""HTTP entry points of import and export, and the image set zip download.

``POST /api/v1/annotations/import/``  multipart ``file``, ``image_set``, optional ``format``,
    ``image``, ``create_types``, ``dry_run``, ``background`` -> 200 with the report for a small
    file, 202 ``{"job": id}`` for a large one (or when ``background``); 400 ``{"detail",
    "report"}`` when the import failed and kept nothing. Needs *annotate* on the set.
``GET /api/v1/annotations/export/?image_set=&format=[&image=][&export_format=]`` -> the
    file (``format=exact_template`` renders EXACT's ExportFormat ``export_format``). Needs
    *create_export*.
``GET /images/imageset/<id>/download/`` -> 200 zip, 202 while it is built, 204 for an empty set.
Sets the user may not read are 404, sets they may read but not change 403.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.urls import path, re_path
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lamella.accounts.access import get_image_set_for_user
from lamella.accounts.policy import Action, team_ids_of
from lamella.annotations.models import ExportFormat
from lamella.annotations.transfer import (
    ImportFailed,
    export_annotations,
    import_annotations,
)
from lamella.annotations.transfer.set_zip import ZipStatus, request_zip, zip_path
from lamella.images.models import Image, ImageSet
from lamella.images.storage import clean_name
from lamella.interop import registry

#: Uploads up to this size are imported in the request; larger ones in a background job.
INLINE_MAX_BYTES = 5 * 1024 * 1024
_SUFFIX = {"sliderunner": "sqlite", "dicom": "dcm", "asap": "xml", "geojson": "geojson"}
_SUFFIX |= {"coco": "json", "midog": "json", "wkt": "csv", "csv": "csv"}


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    image_set = serializers.IntegerField()
    format = serializers.ChoiceField(choices=sorted(registry.FORMATS), required=False)
    image = serializers.IntegerField(required=False)
    create_types = serializers.BooleanField(default=False)
    dry_run = serializers.BooleanField(default=False)
    background = serializers.BooleanField(default=False)


class ExportInput(serializers.Serializer):
    image_set = serializers.IntegerField()
    format = serializers.ChoiceField(choices=[*sorted(registry.FORMATS), "exact_template"])
    image = serializers.IntegerField(required=False)
    include_deleted = serializers.BooleanField(default=False)
    export_format = serializers.IntegerField(required=False)  # EXACT's ExportFormat id


def _template(user: Any, pk: int | None) -> ExportFormat | None:
    """An ExportFormat the user may use: public, of one of their teams, or any for admins."""
    if pk is None:
        return None
    found = ExportFormat.objects.filter(pk=pk).first()
    allowed = found is not None and (
        found.public
        or found.team_id is None
        or getattr(user, "is_superuser", False)
        or found.team_id in team_ids_of(user)
    )
    if not allowed:
        raise ValidationError({"export_format": f"no export format {pk}"})
    return found


def _image(image_set: ImageSet, pk: int | None) -> Image | None:
    if pk is None:
        return None
    found = Image.objects.filter(pk=pk, image_set=image_set).first()
    if found is None:
        raise ValidationError({"image": f"image set {image_set.pk} has no image {pk}"})
    return found


def _keep(upload: UploadedFile, folder: Path) -> Path:
    """The upload under its own (cleaned) name: single-image formats match on the stem."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / clean_name(upload.name or "upload")
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


class ImportView(APIView):
    """Import a file of annotations into an image set."""

    parser_classes = [MultiPartParser, FormParser]

    def post(self, request: Request) -> Response:
        given = ImportInput(data=request.data)
        given.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(given.validated_data)
        image_set = get_image_set_for_user(request.user, data["image_set"], Action.ANNOTATE)
        image = _image(image_set, data.get("image"))
        upload: UploadedFile = data["file"]
        if data["background"] or (upload.size or 0) > INLINE_MAX_BYTES:
            return self._in_background(request, data, image_set, image)
        with tempfile.TemporaryDirectory(prefix="lamella-import-") as folder:
            try:
                report = import_annotations(
                    user=request.user,
                    image_set=image_set,
                    path=_keep(upload, Path(folder)),
                    format=data.get("format"),
                    image=image,
                    create_types=data["create_types"],
                    dry_run=data["dry_run"],
                )
            except ImportFailed as failure:
                body = {
                    "detail": f"Nothing imported: {failure}",
                    "report": failure.report.as_dict(),
                }
                return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(report.as_dict())

    def _in_background(
        self, request: Request, data: dict[str, Any], image_set: ImageSet, image: Image | None
    ) -> Response:
        from lamella.accounts.models import User
        from lamella.jobs.services import start_job

        folder = Path(settings.DATA_DIR) / "imports" / uuid.uuid4().hex
        kept = _keep(data["file"], folder)
        job = start_job(
            kind="import_annotations",
            user=request.user if isinstance(request.user, User) else None,
            params={
                "path": str(kept),
                "image_set_id": image_set.pk,
                "image_id": image.pk if image else None,
                "user_id": request.user.pk,
                "format": data.get("format") or "",
                "create_types": data["create_types"],
                "dry_run": data["dry_run"],
            },
        )
        body = {"job": job.pk, "detail": "The import runs in the background; see the job."}
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ExportView(APIView):
    """Download an image set's annotations in a format."""

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``?format=`` names the annotation format here, not one of DRF's renderers
        return super().perform_content_negotiation(request, force=True)

    def get(self, request: Request) -> FileResponse:
        given = ExportInput(data=request.query_params)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        image_set = get_image_set_for_user(request.user, data["image_set"], Action.CREATE_EXPORT)
        image = _image(image_set, data.get("image"))
        # a real file: SQLite and DICOM writers need one; it is gone once the response is read
        out = tempfile.NamedTemporaryFile(prefix="lamella-export-", delete=False)  # noqa: SIM115
        out.close()
        try:
            export_annotations(
                user=request.user,
                image_set=image_set,
                format=data["format"],
                out=out.name,
                image=image,
                include_deleted=data["include_deleted"],
                export_format=_template(request.user, data.get("export_format")),
            )
            handle = Path(out.name).open("rb")  # noqa: SIM115 (FileResponse closes it)
        except ValueError as error:  # ExportError, or a name the format cannot hold
            raise ValidationError({"format": str(error)}) from None
        finally:
            Path(out.name).unlink(missing_ok=True)  # the open handle keeps the data (POSIX)
        stem = Path(image.name).stem if image else clean_name(image_set.name)
        name = f"{stem}.{_SUFFIX.get(data['format'], 'txt')}"
        return FileResponse(handle, as_attachment=True, filename=name)


class SetDownloadView(APIView):
    """EXACT's image set zip download: 200 ready, 202 building, 204 empty."""

    permission_classes = [AllowAny]  # public sets may be downloaded; the policy decides

    def get(self, request: Request, pk: int) -> Response | FileResponse:
        image_set = get_image_set_for_user(request.user, pk, Action.READ)
        state = request_zip(image_set, user=request.user)
        if state is ZipStatus.EMPTY:
            return Response(status=status.HTTP_204_NO_CONTENT)
        if state is ZipStatus.BUILDING:
            body = {"detail": "The zip is being built; ask again shortly."}
            return Response(body, status=status.HTTP_202_ACCEPTED)
        try:
            handle = zip_path(image_set).open("rb")
        except FileNotFoundError:
            raise NotFound("The zip was removed; ask again.") from None
        filename = f"{clean_name(image_set.name)}.zip"
        return FileResponse(handle, as_attachment=True, filename=filename)


urlpatterns = [
    re_path(r"^api/v1/annotations/import/?$", ImportView.as_view(), name="annotations-import"),
    re_path(r"^api/v1/annotations/export/?$", ExportView.as_view(), name="annotations-export"),
    path("images/imageset/<int:pk>/download/", SetDownloadView.as_view(), name="imageset-zip"),
]
