"""Every format by name, and guessing a file's format from its content.

Each module has ``NAME``, ``parse(source, **options) -> Document`` and
``write(document, target, **options) -> int``; ``exact_template`` only writes.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

from lamella.interop import (
    asap,
    coco,
    dicom_ann,
    exact_template,
    exact_text,
    flat_csv,
    geojson,
    midog,
    sliderunner,
    wkt_csv,
)
from lamella.interop._files import Source, is_path, open_binary, rewind

FORMATS: dict[str, ModuleType] = {
    "exact": exact_text,
    "sliderunner": sliderunner,
    "asap": asap,
    "geojson": geojson,
    "coco": coco,
    "midog": midog,
    "wkt": wkt_csv,
    "csv": flat_csv,
    "dicom": dicom_ann,
}
WRITE_ONLY: dict[str, ModuleType] = {"exact_template": exact_template}

_EXTENSIONS = {
    ".sqlite": "sliderunner",
    ".db": "sliderunner",
    ".xml": "asap",
    ".geojson": "geojson",
    ".dcm": "dicom",
    ".txt": "exact",
    ".csv": "csv",
}
_EXACT_LINE = re.compile(r"^[^|\n]+\|[^|\n]+\|\s*(\{|not in image)", re.IGNORECASE)


def get(name: str) -> ModuleType:
    """The module of format ``name``; ``KeyError`` names the known ones."""
    module = FORMATS.get(name) or WRITE_ONLY.get(name)
    if module is None:
        known = ", ".join(sorted(FORMATS) + sorted(WRITE_ONLY))
        raise KeyError(f"unknown format {name!r}; known: {known}")
    return module


def sniff(head: bytes) -> str | None:
    """The format the first bytes of a file show, or ``None`` when they do not tell."""
    if head.startswith(b"SQLite format 3\x00"):
        return "sliderunner"
    if head[128:132] == b"DICM":
        return "dicom"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        return "asap" if "<ASAP_Annotations" in text else None
    if text.startswith(("{", "[")):
        if re.search(r'"type"\s*:\s*"(FeatureCollection|Feature)"', text):
            return "geojson"
        # MIDOG++ is COCO without segmentation, with per-expert "labels"
        if "MIDOG" in text:
            return "midog"
        if not re.search(r'"(segmentation|iscrowd)"\s*:', text) and re.search(
            r'"labels"\s*:\s*\[', text
        ):
            return "midog"
        if re.search(r'"(annotations|images|categories)"\s*:', text):
            return "coco"
        return None
    first = text.split("\n", 1)[0].strip().lower()
    if _EXACT_LINE.match(text):
        return "exact"
    fields = {f.strip().strip('"') for f in re.split(r"[,;\t]", first)}
    if "vector" in fields and "image" in fields:
        return "csv"
    if fields & {"wkt", "location", "geometry"}:
        return "wkt"
    return None


def guess_format(source: Source) -> str | None:
    """The format of ``source`` from its content, then from its extension; ``None`` if unsure."""
    with open_binary(source) as handle:
        head = handle.read(4096)
    rewind(source)
    found = sniff(head)
    if found is None and is_path(source):
        found = _EXTENSIONS.get(Path(str(source)).suffix.lower())
    return found
