"""MIDOG++ JSON: COCO-like, but ``bbox`` is ``[x1, y1, x2, y2]`` (absolute corners), and each
annotation's ``labels`` lists the experts' category ids (the votes). Images carry extra keys
(``tumor_type``, ``license``) that are kept in ``Document.image_meta``.
"""

from __future__ import annotations

from lamella.interop._files import Source, write_text
from lamella.interop.coco import parse_coco
from lamella.interop.coco_write import write_coco
from lamella.interop.model import Document

NAME = "midog"


def parse(source: Source) -> Document:
    """Read a MIDOG++ file; every annotation is a box."""
    return parse_coco(source, bbox_style="xyxy", detect_boxes=False)


def write(document: Document, target: Source) -> int:
    """Write MIDOG++ JSON (no COCO extras: no segmentation, area or attributes)."""
    with write_text(target) as out:
        return write_coco(document, out, bbox_style="xyxy", attributes=False, skip_deleted=True)
