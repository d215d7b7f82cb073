"""Where image files live under ``settings.DATA_DIR``; only this module builds those paths.

Layout::

    DATA_DIR/images/<set path>/<filename>              originals, as uploaded (zips unpacked)
    DATA_DIR/images/<set path>/.lamella/<image id>/    derived files: pyramid, thumbnail, zip
    DATA_DIR/images/<set path>/.staging/<random>/      uploads being checked; moved or removed
    DATA_DIR/uploads/<upload id>/                      resumable uploads in progress

Files are written under a temporary name (or in a staging folder) and moved into place only
when the upload or conversion has succeeded, so a failure leaves nothing behind.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path, PurePosixPath

from django.conf import settings

from lamella.images.models import Image, ImageSet

DERIVED = ".lamella"
STAGING = ".staging"
PYRAMID_NAME = "pyramid.tiff"
THUMBNAIL_NAME = "thumbnail.png"

_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()+-]")


def images_root() -> Path:
    """The folder holding every image set's folder."""
    return Path(settings.DATA_DIR) / "images"


def uploads_root() -> Path:
    """The folder holding resumable uploads in progress."""
    return Path(settings.DATA_DIR) / "uploads"


def ensure_set_path(image_set: ImageSet) -> str:
    """The set's folder name, assigned (``set_<id>``) and saved when the set has none."""
    if not image_set.path:
        image_set.path = f"set_{image_set.pk}"
        image_set.save(update_fields=["path"])
    return image_set.path


def set_dir(image_set: ImageSet) -> Path:
    """The folder of an image set's originals (not created here)."""
    relative = safe_relative(image_set.path or f"set_{image_set.pk}")
    return images_root() / relative


def original_path(image: Image) -> Path:
    """The uploaded file of an image (for MRXS: the .mrxs index beside its data folder)."""
    return set_dir(image.image_set) / safe_relative(image.filename)


def derived_dir(image: Image) -> Path:
    """The folder of files computed from an image (pyramid, thumbnail, download zip)."""
    return set_dir(image.image_set) / DERIVED / str(image.pk)


def served_path(image: Image) -> Path:
    """The file tiles are read from: the converted pyramid if ingest wrote one."""
    served = image.metadata.get("served") if isinstance(image.metadata, dict) else None
    if served:
        return derived_dir(image) / safe_relative(str(served))
    return original_path(image)


def new_staging_dir(image_set: ImageSet) -> Path:
    """A fresh, empty staging folder inside the set's folder (same file system: moves are
    renames)."""
    folder = set_dir(image_set) / STAGING / uuid.uuid4().hex
    folder.mkdir(parents=True)
    return folder


def clean_name(name: str) -> str:
    """A file name safe to store: the last path component, odd characters replaced."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip()
    cleaned = _UNSAFE.sub("_", base).lstrip(".")
    return cleaned[:200] or "upload"


def unique_name(folder: Path, name: str) -> str:
    """``name``, or ``stem_2.ext``, ``stem_3.ext``... whichever is free in ``folder``."""
    stem, dot, suffix = name.partition(".")
    candidate, n = name, 1
    while (folder / candidate).exists():
        n += 1
        candidate = f"{stem}_{n}{dot}{suffix}"
    return candidate


def safe_relative(relative: str) -> Path:
    """``relative`` as a path that stays inside its base folder; raises ValueError if it would
    not (``..``, absolute paths, drive letters)."""
    posix = relative.replace("\\", "/")
    parts = PurePosixPath(posix).parts
    if not parts or posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        raise ValueError(f"{relative!r} is not a relative path")
    if any(part in ("..", "") for part in parts):
        raise ValueError(f"{relative!r} leaves its folder")
    return Path(*parts)


def remove_tree(path: Path) -> None:
    """Delete a file or folder if present; a missing path is not an error."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_empty_parents(folder: Path, *, stop: Path) -> None:
    """Remove ``folder`` and its parents below ``stop`` while they are empty, so a refused
    upload leaves not even an empty staging folder."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or gone): the rest of the way up is in use
            return
        folder = folder.parent


def remove_image_files(image: Image) -> None:
    """Delete an image's original (and MRXS data folder) and its derived files."""
    original = original_path(image)
    remove_tree(derived_dir(image))
    remove_tree(original)
    companion = original.with_suffix("")
    if original.suffix.lower() in (".mrxs", ".vms", ".vsi") and companion.is_dir():
        remove_tree(companion)
