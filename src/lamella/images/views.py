"""HTTP for uploads (tus and EXACT's legacy form upload) and original/served downloads."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import zipfile
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse

from lamella.accounts.policy import Action, can
from lamella.images import services, storage, uploads
from lamella.images.http import HttpError, api_view
from lamella.images.models import Image, ImageSet

FOLDER_FORMATS = (".mrxs", ".vms", ".vsi")


def _tus_headers(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = uploads.TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _metadata(header: str) -> dict[str, str]:
    """tus ``Upload-Metadata``: comma-separated ``key base64value`` pairs."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded, validate=True).decode() if encoded else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise HttpError(400, f"Upload-Metadata {key!r} is not base64 of UTF-8 text") from exc
    return found


def _header_int(request: HttpRequest, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit():
        raise HttpError(400, f"the {name} header must be a non-negative integer")
    return int(raw)


def _check_version(request: HttpRequest) -> None:
    version = request.headers.get("Tus-Resumable")
    if version is not None and version != uploads.TUS_VERSION:
        raise HttpError(412, f"Tus-Resumable {version} is not supported; use {uploads.TUS_VERSION}")


def _image_set(raw: str | None) -> ImageSet:
    if not raw or not raw.isdigit():
        raise HttpError(400, "image_set (an image set id) is required")
    image_set = ImageSet.objects.filter(pk=int(raw)).first()
    if image_set is None:
        raise HttpError(404, f"Image set {raw} not found.")
    return image_set


def _image_type(raw: str | None) -> int:
    if raw in (None, ""):
        return Image.ImageType.DEFAULT
    if not raw.isdigit():
        raise HttpError(400, f"image_type must be an integer, not {raw!r}")
    return int(raw)


@api_view
def upload_collection(request: HttpRequest) -> HttpResponse:
    """``OPTIONS``: the server's tus capabilities; ``POST``: create an upload."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Tus-Version"] = uploads.TUS_VERSION
        response["Tus-Extension"] = uploads.TUS_EXTENSIONS
        response["Tus-Max-Size"] = str(uploads.max_upload_bytes())
        return _tus_headers(response)
    if request.method != "POST":
        raise HttpError(405, f'Method "{request.method}" not allowed.')
    _check_version(request)
    if not request.user.is_authenticated:
        raise HttpError(401, "Authentication credentials were not provided.")
    meta = _metadata(request.headers.get("Upload-Metadata", ""))
    image_set = _image_set(meta.get("image_set"))
    pending = uploads.create_upload(
        user=request.user,
        image_set=image_set,
        filename=meta.get("filename") or meta.get("name") or "upload",
        length=_header_int(request, "Upload-Length"),
        image_type=_image_type(meta.get("image_type")),
    )
    response = HttpResponse(status=201)
    response["Location"] = request.build_absolute_uri(f"{request.path.rstrip('/')}/{pending.id}/")
    response["Upload-Offset"] = "0"
    return _tus_headers(response)


@api_view
def upload_detail(request: HttpRequest, upload_id: str) -> HttpResponse:
    """``HEAD``: the offset; ``PATCH``: append bytes; ``DELETE``: abandon; ``GET``: JSON state."""
    _check_version(request)
    pending = uploads.get_upload(upload_id, request.user)
    if request.method == "HEAD":
        response = HttpResponse(status=200)
    elif request.method == "GET":
        response = JsonResponse(
            {
                "id": pending.id,
                "offset": pending.offset,
                "length": pending.length,
                "images": pending.images,
                "duplicates": pending.duplicates,
            }
        )
    elif request.method == "DELETE":
        uploads.delete(pending)
        return _tus_headers(HttpResponse(status=204))
    elif request.method == "PATCH":
        if request.content_type != "application/offset+octet-stream":
            raise HttpError(415, "PATCH bodies must be application/offset+octet-stream")
        length = request.headers.get("Content-Length")
        offset = uploads.append(
            pending,
            offset=_header_int(request, "Upload-Offset"),
            body=request,  # type: ignore[arg-type]  # HttpRequest.read streams the body
            length=int(length) if length and length.isdigit() else None,
        )
        response = HttpResponse(status=204)
        if offset == pending.length:
            outcome = uploads.finish(pending, request.user)
            ids = [image.pk for image in outcome.created + outcome.duplicates]
            response["Upload-Images"] = ",".join(str(i) for i in ids)
    else:
        raise HttpError(405, f'Method "{request.method}" not allowed.')
    response["Upload-Offset"] = str(pending.offset)
    response["Upload-Length"] = str(pending.length)
    return _tus_headers(response)


@api_view
def legacy_upload(request: HttpRequest, image_set_id: int) -> JsonResponse:
    """EXACT's ``/images/image/upload/<set>/``: every multipart file part (``files[]`` for
    SlideRunner), answered ``{"files": [{"name", "size", "type", "id"}]}``."""
    if request.method != "POST":
        raise HttpError(405, f'Method "{request.method}" not allowed.')
    image_set = ImageSet.objects.filter(pk=image_set_id).first()
    if image_set is None:
        raise HttpError(404, f"Image set {image_set_id} not found.")
    # Every file part whatever its name, several per name too (``files[]`` repeated).
    uploaded = [f for key in request.FILES for f in request.FILES.getlist(key)]
    files: list[services.UploadSource] = [(f.name or "upload", f) for f in uploaded]
    try:
        outcome = services.upload(
            user=request.user,
            image_set=image_set,
            files=files,
            image_type=_image_type(request.POST.get("image_type")),
        )
    except services.UploadError as exc:
        listing = [{"name": f.name, "size": f.size, "error": exc.detail} for f in uploaded]
        return JsonResponse({"detail": exc.detail, "files": listing}, status=exc.status)
    rows = [
        {"name": image.name, "size": image.metadata.get("size", 0), "type": "image", "id": image.pk}
        for image in outcome.created + outcome.duplicates
    ]
    return JsonResponse({"files": rows})


@api_view
def download(request: HttpRequest, image_id: int) -> FileResponse:
    """The original (``?original_image=True``; MRXS zipped with its folder) or the served file,
    with Content-Length and Content-Disposition."""
    if request.method not in ("GET", "HEAD"):
        raise HttpError(405, f'Method "{request.method}" not allowed.')
    image = Image.objects.select_related("image_set").filter(pk=image_id).first()
    if image is None or not can(request.user, image.image_set, Action.READ):
        raise HttpError(404, f"Image {image_id} not found.")
    original = request.GET.get("original_image", "").lower() in ("true", "1", "yes")
    path, name = storage.original_path(image), image.name
    if not original and image.metadata.get("served"):
        path = storage.served_path(image)
        name = f"{Path(image.name).stem}.tiff"
    elif path.suffix.lower() in FOLDER_FORMATS and path.with_suffix("").is_dir():
        path, name = _folder_zip(image, path), f"{Path(image.name).stem}.zip"
    if not path.is_file():
        raise HttpError(404, f"The file of image {image_id} is missing.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(path.stat().st_size)
    return response


def _folder_zip(image: Image, index: Path) -> Path:
    """A stored (uncompressed: slide data are compressed already) zip of an index file and its
    data folder, built once and kept with the image's derived files."""
    target = storage.derived_dir(image) / "original.zip"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(".original.zip.partial")
    folder = index.with_suffix("")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.write(index, index.name)
        for member in sorted(folder.rglob("*")):
            if member.is_file():
                archive.write(member, member.relative_to(index.parent).as_posix())
    partial.replace(target)
    return target
