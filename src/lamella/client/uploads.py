"""Image upload through the server's resumable (tus 1.0) endpoint, with progress and resume.

The file goes in ``chunk_size`` PATCH requests. After a dropped connection the client asks the
server for its offset (HEAD) and goes on from there, so a flaky link costs at most one chunk.
Servers without ``/api/v1/uploads/`` (EXACT) get one multipart POST to ``images/images/``.
"""

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lamella.client.errors import LamellaError
from lamella.client.http import Transport

UPLOADS = "/api/v1/uploads/"
TUS = {"Tus-Resumable": "1.0.0"}
#: ``progress(bytes_sent, bytes_total)``, called after each chunk.
Progress = Callable[[int, int], None]
CHUNK_SIZE = 8 << 20
RESUME_ATTEMPTS = 5


def _metadata(**values: str) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items()
    )


def upload_file(
    transport: Transport,
    path: str | os.PathLike[str],
    *,
    image_set: int,
    image_type: int = 0,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> list[int]:
    """Send the file; returns the ids of the images it became (a zip may hold several)."""
    source = Path(path)
    total = source.stat().st_size
    meta = _metadata(filename=source.name, image_set=str(image_set), image_type=str(image_type))
    headers = {**TUS, "Upload-Length": str(total), "Upload-Metadata": meta}
    try:
        created = transport.send("POST", UPLOADS, headers=headers)
    except LamellaError as exc:
        if exc.status in (404, 405):
            return _multipart(transport, source, image_set, image_type, progress, total)
        raise
    location = created.headers["Location"]
    offset, failures = 0, 0
    if progress is not None:
        progress(0, total)
    with source.open("rb") as fh:
        while True:
            fh.seek(offset)
            chunk = fh.read(chunk_size)
            patch = {
                **TUS,
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
            }
            try:
                response = transport.send("PATCH", location, data=chunk, headers=patch)
            except LamellaError as exc:
                failures += 1
                if failures >= RESUME_ATTEMPTS or (exc.status is not None and exc.status != 409):
                    raise
                offset = _server_offset(transport, location)
                continue
            offset = int(response.headers.get("Upload-Offset", offset + len(chunk)))
            if progress is not None:
                progress(offset, total)
            if offset >= total:
                ids = response.headers.get("Upload-Images", "")
                return [int(pk) for pk in ids.split(",") if pk.strip()]


def _server_offset(transport: Transport, location: str) -> int:
    response = transport.send("HEAD", location, headers=TUS)
    return int(response.headers["Upload-Offset"])


def _multipart(
    transport: Transport,
    source: Path,
    image_set: int,
    image_type: int,
    progress: Progress | None,
    total: int,
) -> list[int]:
    if progress is not None:
        progress(0, total)
    with source.open("rb") as fh:
        form: dict[str, Any] = {"image_set": str(image_set), "image_type": str(image_type)}
        answer = transport.json(
            "POST", "/api/v1/images/images/", files={"file_path": (source.name, fh)}, data=form
        )
    if progress is not None:
        progress(total, total)
    results = answer.get("results", [answer]) if isinstance(answer, dict) else answer
    return [int(item["id"]) for item in results]
