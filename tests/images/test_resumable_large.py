"""A ~300 MB tus upload to a real server thread survives a connection dropped midway."""

import base64
import hashlib
import http.client
import math
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
import tifffile

from lamella.images.models import Image
from tests.factories import PASSWORD

SIDE = 10240  # 10240 x 10240 RGB, uncompressed: 315 MB at level 0


def write_large_pyramid(path: Path) -> None:
    """An uncompressed tiled pyramid (levels as successive pages), written tile by tile so
    the test never holds the image in memory."""
    rng = np.random.default_rng(7)
    tile = rng.integers(0, 255, (256, 256, 3), dtype=np.uint8)

    def tiles(side: int) -> Iterator[np.ndarray]:
        for _ in range(math.ceil(side / 256) ** 2):
            yield tile

    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        for level, side in enumerate((SIDE, SIDE // 4, SIDE // 16)):
            tif.write(
                tiles(side),
                shape=(side, side, 3),
                dtype=np.uint8,
                tile=(256, 256),
                photometric="rgb",
                subfiletype=1 if level else 0,
            )


def sha512(path: Path) -> bytes:
    digest = hashlib.sha512()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.digest()


class Tus:
    """A minimal tus client over http.client, with Basic auth."""

    def __init__(self, base: str, username: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        token = base64.b64encode(f"{username}:{PASSWORD}".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Tus-Resumable": "1.0.0"}

    def request(self, method: str, url: str, body: Any = None, **headers: str) -> Any:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        connection.request(method, url, body=body, headers={**self.headers, **headers})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    def offset(self, url: str) -> int:
        return int(self.request("HEAD", url).getheader("Upload-Offset"))

    def drop_midway(self, url: str, path: Path, length: int, send: int) -> None:
        """Start a PATCH of the whole file, send ``send`` bytes, then cut the connection."""
        sock = socket.create_connection((self.host, self.port))
        head = [
            f"PATCH {url} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Content-Type: application/offset+octet-stream",
            f"Content-Length: {length}",
            "Upload-Offset: 0",
            *(f"{k}: {v}" for k, v in self.headers.items()),
        ]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        with path.open("rb") as fh:
            remaining = send
            while remaining:
                chunk = fh.read(min(1 << 20, remaining))
                sock.sendall(chunk)
                remaining -= len(chunk)
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()


@pytest.mark.django_db(transaction=True)
def test_a_300_mb_upload_resumes_after_a_dropped_connection_and_completes(
    cast: Any, data_dir: Path, live_server: Any, tmp_path: Path
) -> None:
    path = tmp_path / "large.tiff"
    write_large_pyramid(path)
    size = path.stat().st_size
    assert size > 300 * 1024 * 1024
    client = Tus(live_server.url, cast.member.username)
    meta = (
        f"filename {base64.b64encode(b'large.tiff').decode()},image_set "
        + base64.b64encode(str(cast.image_set.pk).encode()).decode()
    )
    created = client.request(
        "POST", "/api/v1/uploads/", **{"Upload-Length": str(size), "Upload-Metadata": meta}
    )
    assert created.status == 201
    url = urlsplit(created.getheader("Location")).path

    client.drop_midway(url, path, size, send=size // 2)

    # Resume as a tus client does: ask the offset, send the rest; a 409 means the server is
    # still writing the dropped request, so ask again.
    response = None
    for _attempt in range(200):
        offset = client.offset(url)
        with path.open("rb") as fh:
            fh.seek(offset)
            response = client.request(
                "PATCH",
                url,
                body=fh,
                **{
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(size - offset),
                    "Upload-Offset": str(offset),
                },
            )
        if response.status != 409:
            break
    assert response is not None and response.status == 204
    assert 0 < offset < size  # the dropped half was kept and not sent again
    image = Image.objects.get(pk=int(response.getheader("Upload-Images")))
    assert bytes(image.checksum) == sha512(path)
    assert (image.width, image.height, image.ingest_state) == (SIDE, SIDE, "ready")
    assert not any((data_dir / "uploads").rglob("data"))
