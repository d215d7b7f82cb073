"""Metadata of TIFF variants: pixel size, objective power, channel names and colours."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import tifffile

from lamella.slides.base import Channel

_UM_PER_UNIT = {"nm": 1e-3, "µm": 1.0, "um": 1.0, "mm": 1e3, "cm": 1e4, "m": 1e6}


def mpp_and_power(tif: tifffile.TiffFile, keyframe: Any) -> tuple[float | None, float | None]:
    """(micrometres per pixel, objective power) from OME-XML, QPTIFF XML, Aperio text or tags."""
    if tif.is_ome and tif.ome_metadata:
        found = _ome_mpp_and_power(tif.ome_metadata)
        if found[0] is not None:
            return found
    description = str(keyframe.description or "")
    power: float | None = None
    if tif.is_qpi:
        power = _first_float(description, r"<Magnification>([\d.]+)</Magnification>")
    if tif.is_svs:
        power = _first_float(description, r"AppMag\s*=\s*([\d.]+)")
        mpp = _first_float(description, r"MPP\s*=\s*([\d.]+)")
        if mpp:
            return mpp, power
    return _resolution_mpp(keyframe), power


def _first_float(text: str, pattern: str) -> float | None:
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def _resolution_mpp(page: Any) -> float | None:
    """Pixel size from XResolution/YResolution when the unit is a length (cm or inch)."""
    tags = page.tags
    unit = tags.get("ResolutionUnit")
    x_res, y_res = tags.get("XResolution"), tags.get("YResolution")
    if unit is None or x_res is None or y_res is None:
        return None
    um_per_unit = {2: 25400.0, 3: 10000.0}.get(int(unit.value))
    if um_per_unit is None:
        return None
    sizes = []
    for tag in (x_res, y_res):
        numerator, denominator = tag.value
        if numerator and denominator:
            sizes.append(um_per_unit * denominator / numerator)
    return sum(sizes) / len(sizes) if len(sizes) == 2 else None


def _ome_root(xml: str) -> ElementTree.Element | None:
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _ome_mpp_and_power(xml: str) -> tuple[float | None, float | None]:
    root = _ome_root(xml)
    if root is None:
        return None, None
    power = None
    mpp = None
    for element in root.iter():
        name = _local(element.tag)
        if name == "Objective" and element.get("NominalMagnification"):
            power = float(element.get("NominalMagnification", "0")) or None
        if name == "Pixels" and mpp is None and element.get("PhysicalSizeX"):
            sizes = []
            for axis in ("X", "Y"):
                value = element.get(f"PhysicalSize{axis}")
                unit = element.get(f"PhysicalSize{axis}Unit", "µm")
                if value:
                    sizes.append(float(value) * _UM_PER_UNIT.get(unit, 1.0))
            mpp = sum(sizes) / len(sizes) if sizes else None
    return mpp, power


def _ome_color(value: str | None) -> tuple[int, int, int] | None:
    """OME stores colours as a signed 32-bit RGBA integer."""
    if not value:
        return None
    rgba = int(value) & 0xFFFFFFFF
    return ((rgba >> 24) & 255, (rgba >> 16) & 255, (rgba >> 8) & 255)


def channel_metadata(tif: tifffile.TiffFile, series: Any, count: int) -> tuple[Channel, ...]:
    """Named channels from OME-XML or QPTIFF page descriptions; () when the file names none."""
    if tif.is_ome and tif.ome_metadata:
        root = _ome_root(tif.ome_metadata)
        if root is not None:
            found = [
                Channel(
                    element.get("Name") or f"Channel {i}",
                    _ome_color(element.get("Color")),
                )
                for i, element in enumerate(e for e in root.iter() if _local(e.tag) == "Channel")
            ]
            if len(found) >= count:
                return tuple(found[:count])
    if tif.is_qpi:
        found = []
        for i, page in enumerate(series.pages[:count]):
            description = str(getattr(page, "description", "") or "")
            name = re.search(r"<Name>([^<]+)</Name>", description)
            color = re.search(r"<Color>(\d+),(\d+),(\d+)</Color>", description)
            found.append(
                Channel(
                    name.group(1) if name else f"Channel {i}",
                    (int(color.group(1)), int(color.group(2)), int(color.group(3)))
                    if color
                    else None,
                )
            )
        return tuple(found)
    return ()
