"""Unpacking an uploaded zip safely: a zip of images, or a folder format such as MRXS.

Every entry name is checked before anything is written: ``..``, absolute paths, drive letters
and symbolic links are refused, so an archive can never write outside its staging folder
("zip slip"). The uncompressed total is capped, so a zip bomb is refused from its directory.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from lamella.images.storage import safe_relative

#: Extensions of folder formats: when a zip holds one, only these files become images.
FOLDER_FORMATS = (".mrxs", ".vms", ".vsi")
#: The most an archive may unpack to (1 TiB), whatever its compressed size.
MAX_UNPACKED_BYTES = 1 << 40
_CHUNK = 1 << 20


class UnsafeArchive(ValueError):
    """The zip cannot be unpacked safely or is damaged; the message says why."""


@dataclass(frozen=True)
class ArchiveEntry:
    """A file of an unpacked zip that becomes an image."""

    name: str
    """Its base name: the image's name."""
    path: Path
    """Where it was unpacked."""


def is_zip(path: Path) -> bool:
    """True when the file starts with a zip signature."""
    with path.open("rb") as fh:
        return fh.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _skipped(parts: tuple[str, ...]) -> bool:
    # macOS and Windows add metadata files to archives; they are never images.
    return parts[0] == "__MACOSX" or parts[-1].startswith(".") or parts[-1] == "Thumbs.db"


def _check_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members: list[zipfile.ZipInfo] = []
    total = 0
    for info in archive.infolist():
        try:
            safe_relative(info.filename)
        except ValueError as exc:
            raise UnsafeArchive(f"the zip entry {info.filename!r} is unsafe: {exc}") from exc
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UnsafeArchive(f"the zip entry {info.filename!r} is a symbolic link")
        if info.is_dir():
            continue
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise UnsafeArchive(f"the zip would unpack to more than {MAX_UNPACKED_BYTES} bytes")
        members.append(info)
    return members


def unpack(path: Path, into: Path) -> list[ArchiveEntry]:
    """Unpack the zip at ``path`` into the folder ``into`` and list the files that become images.

    If the archive holds folder-format index files (.mrxs, .vms, .vsi), only those are listed
    (their data folders stay beside them); otherwise every regular file is.
    Raises ``UnsafeArchive`` for unsafe entries and damaged archives.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = _check_entries(archive)
            for info in members:
                target = into / safe_relative(info.filename)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, target.open("wb") as sink:
                    shutil.copyfileobj(source, sink, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise UnsafeArchive(f"the zip is damaged or unsupported: {exc}") from exc
    entries = []
    for info in members:
        parts = PurePosixPath(info.filename.replace("\\", "/")).parts
        if not _skipped(parts):
            entries.append(ArchiveEntry(parts[-1], into / Path(*parts)))
    folder_formats = [e for e in entries if e.path.suffix.lower() in FOLDER_FORMATS]
    if folder_formats:
        return folder_formats
    if not entries:
        raise UnsafeArchive("the zip holds no files")
    return entries
