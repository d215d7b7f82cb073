"""Reads for tile views: the image a user may read, its open slide, and display parameters.

Channel displays come from the query string, one parameter per channel::

    c<i>=<min>:<max>:<rrggbb>:<0|1>      e.g. c0=100:4000:ff0000  c2=:::0

Every part is optional (``c1=::00ff00`` changes only the colour); missing parts keep the
defaults computed at ingest (``Image.metadata["channels"]``). Windows are in the data's own
units (0..65535 for 16-bit), applied before anything is reduced to 8 bits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from lamella.accounts.policy import Action, can
from lamella.images import storage
from lamella.images.http import HttpError
from lamella.images.models import Image
from lamella.slides import ChannelDisplay
from lamella.tiles.cache import OpenSlide, granted, slides

CHECKSUM_PREFIX = 16
_CHANNEL_PARAM = re.compile(r"^c(\d{1,3})$")
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def get_readable_image(user: Any, image_id: int) -> Image:
    """The image if ``user`` may read its set; otherwise a 404 (its existence stays hidden)."""
    image = Image.objects.select_related("image_set").filter(pk=image_id).first()
    if image is None or not can(user, image.image_set, Action.READ):
        raise HttpError(404, f"Image {image_id} not found.")
    return image


def get_readable_version(user: Any, image_id: int, checksum: str | None) -> tuple[Image, OpenSlide]:
    """As ``get_readable_image`` then ``open_image``, for tile URLs. Once granted, the image
    and its file's path are remembered for a few seconds (``cache.ACCESS_TTL``): a tile
    should cost neither an ORM query nor path arithmetic. With a ``checksum`` (versioned
    URLs), 404 when it is not the image's current version; without, the current file."""
    key = (getattr(user, "pk", None), image_id, checksum)
    found = granted.get(key)
    if found is not None:
        image, path = found
        try:
            return image, slides.get(path)
        except FileNotFoundError:
            granted.clear()  # the file went away: look everything up again
            raise HttpError(404, f"The file of image {image_id} is missing.") from None
    image = get_readable_image(user, image_id)
    if checksum is not None and checksum != checksum_prefix(image):
        raise HttpError(404, "This tile URL is for another version of the image.")
    opened = open_image(image)  # 409 unless ready: only ready images are remembered
    granted.put(key, (image, opened.path))
    return image, opened


def require_ready(image: Image) -> None:
    """409 unless the image has been ingested."""
    if image.ingest_state == Image.IngestState.READY:
        return
    if image.ingest_state == Image.IngestState.FAILED:
        raise HttpError(409, f"image could not be converted: {image.ingest_error}")
    if image.ingest_state == Image.IngestState.QUEUED:
        raise HttpError(409, "image is waiting to be converted (0 %)")
    raise HttpError(409, f"image is still being converted ({image.ingest_progress} %)")


def open_image(image: Image) -> OpenSlide:
    """The open slide of a ready image (from the per-process LRU)."""
    require_ready(image)
    path = storage.served_path(image)
    if not path.is_file():
        raise HttpError(404, f"The file of image {image.pk} is missing.")
    return slides.get(path)


def checksum_prefix(image: Image) -> str:
    """The version tag in tile URLs: the start of the image's sha512 in hex."""
    return bytes(image.checksum).hex()[:CHECKSUM_PREFIX] or "0" * CHECKSUM_PREFIX


def exact_frame(image: Image, frame: int) -> int:
    """EXACT numbers frames from 1 in its URLs (``…/1/1/tile/``); 0 is taken as the first."""
    index = max(frame - 1, 0)
    if index >= max(image.frames, 1):
        raise HttpError(400, f"frame {frame} is out of range 1..{image.frames}")
    return index


def query_frame(image: Image, query: Mapping[str, str]) -> int:
    """The 0-based ``frame`` query parameter (default: the image's default frame)."""
    raw = query.get("frame")
    if raw is None or raw == "":
        return min(max(image.defaultFrame, 0), max(image.frames - 1, 0))
    frame = _int(raw, "frame")
    if not 0 <= frame < max(image.frames, 1):
        raise HttpError(400, f"frame {frame} is out of range 0..{image.frames - 1}")
    return frame


def displays_from_query(
    image: Image, query: Mapping[str, str]
) -> tuple[ChannelDisplay, ...] | None:
    """Channel displays for a tile: None for brightfield RGB without parameters (stored
    colours, the passthrough path), else the ingest defaults overridden by ``c<i>``."""
    metadata = image.metadata if isinstance(image.metadata, dict) else {}
    channels: list[dict[str, Any]] = metadata.get("channels") or []
    overrides = {
        int(m.group(1)): value for key, value in query.items() if (m := _CHANNEL_PARAM.match(key))
    }
    if not overrides and (metadata.get("is_rgb") and metadata.get("dtype") == "uint8"):
        return None
    if not channels:
        return None
    displays = []
    for index, channel in enumerate(channels):
        low, high = (float(v) for v in channel.get("window", (0.0, 255.0)))
        color = _color(channel.get("color", "#ffffff"), "color")
        visible = True
        if index in overrides:
            low, high, color, visible = _override(overrides[index], index, low, high, color)
        displays.append(ChannelDisplay(index, (low, high), color, visible))
    unknown = sorted(set(overrides) - set(range(len(channels))))
    if unknown:
        raise HttpError(400, f"channel {unknown[0]} does not exist ({len(channels)} channels)")
    return tuple(displays)


def query_fingerprint(query: Mapping[str, str]) -> str:
    """A short hash of the parameters that change a tile's pixels (part of its ETag)."""
    relevant = sorted((k, v) for k, v in query.items() if k == "frame" or _CHANNEL_PARAM.match(k))
    if not relevant:
        return "0"
    return hashlib.blake2b(repr(relevant).encode(), digest_size=6).hexdigest()


def _override(
    raw: str, index: int, low: float, high: float, color: tuple[int, int, int]
) -> tuple[float, float, tuple[int, int, int], bool]:
    parts = raw.split(":")
    if len(parts) > 4:
        raise HttpError(400, f"c{index} must be min:max:rrggbb:visible, not {raw!r}")
    parts += [""] * (4 - len(parts))
    name = f"c{index}"
    low = _float(parts[0], name) if parts[0] else low
    high = _float(parts[1], name) if parts[1] else high
    color = _color(parts[2], name) if parts[2] else color
    visible = parts[3] not in ("0", "false", "no") if parts[3] else True
    if high <= low:
        raise HttpError(400, f"{name}: the window maximum must exceed its minimum")
    return low, high, color, visible


def _color(raw: str, name: str) -> tuple[int, int, int]:
    match = _HEX.match(raw.strip())
    if not match:
        raise HttpError(400, f"{name}: a colour is six hex digits (rrggbb), not {raw!r}")
    value = match.group(1)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _float(raw: str, name: str) -> float:
    try:
        return float(raw)
    except ValueError as exc:
        raise HttpError(400, f"{name}: {raw!r} is not a number") from exc


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError as exc:
        raise HttpError(400, f"{name} must be an integer, not {raw!r}") from exc


def int_param(query: Mapping[str, str], name: str, default: int | None = None) -> int:
    """An integer query parameter; 400 when missing (without default) or malformed."""
    raw = query.get(name)
    if raw is None or raw == "":
        if default is None:
            raise HttpError(400, f"the query parameter {name} is required")
        return default
    return _int(raw, name)
