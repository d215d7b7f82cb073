"""``POST /api/v1/images/images/``: EXACT's multipart upload, answered at once.

Input: multipart form with ``image_set`` (id, required), ``image_type`` (default 0) and any
number of file parts under any names (exact-sync uses ``file_path``, browsers ``files[]``).
Output: HTTP 200 with EXACT's paginated envelope holding only the new images; their
``ingest_state`` is ``queued`` and conversion continues in the background.
"""

from typing import Any

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from lamella.images import services, storage
from lamella.images.models import Image, ImageSet


class UploadRefused(APIException):
    def __init__(self, error: services.UploadError) -> None:
        super().__init__(detail=error.detail)
        self.status_code = error.status


def _int_field(request: Request, name: str, default: int | None = None) -> int:
    data = request.data if isinstance(request.data, dict) else {}
    raw = data.get(name, default)
    if raw is None or raw == "":
        if default is None:
            raise ParseError(f"The form field {name!r} is required.")
        return default
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"The form field {name!r} must be an integer, not {raw!r}.") from exc


class ImageUploadMixin:
    """Adds EXACT's upload to the image viewset, and removes files when an image is deleted."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        set_id = _int_field(request, "image_set")
        image_type = _int_field(request, "image_type", default=Image.ImageType.DEFAULT)
        image_set = ImageSet.objects.filter(pk=set_id).first()
        files = [
            (upload.name or key, upload)
            for key in request.FILES
            for upload in request.FILES.getlist(key)
        ]
        try:
            if image_set is None:
                raise services.UploadNotFound(f"Image set {set_id} not found.")
            created = services.upload_images(
                user=request.user, image_set=image_set, files=files, image_type=image_type
            )
        except services.UploadError as error:
            raise UploadRefused(error) from error
        serializer = self.get_serializer(created, many=True)  # type: ignore[attr-defined]
        envelope = {"count": len(created), "next": None, "previous": None}
        return Response({**envelope, "results": serializer.data}, status=status.HTTP_200_OK)

    def perform_destroy(self, instance: Image) -> None:
        super().perform_destroy(instance)  # type: ignore[misc]
        transaction.on_commit(lambda: storage.remove_image_files(instance))
