"""Time per tile: native passthrough (stored JPEG bytes) vs OpenSlide's DeepZoomGenerator.

Run: .venv/bin/python benchmarks/tiles_passthrough.py [--size 40000] [--tiles 300]
Slides: CMU-1-Small-Region.svs from ../shared/testdata (skipped when absent) and a generated
N x N JPEG-tiled pyramid written by pyvips into a temporary folder. Both sides fetch the same
random interior tiles of the full-resolution level, in one process; the reference encodes its
tile to JPEG Q90, as EXACT's tile view does. Prints µs/tile for each and the ratio.
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openslide
import pyvips
from openslide.deepzoom import DeepZoomGenerator

from lamella.slides import native_tiles, open_slide

CMU = (
    Path(__file__).resolve().parents[2]
    / "shared/testdata/aperio-cmu-small-region/CMU-1-Small-Region.svs"
)


def generate_pyramid(path: Path, size: int) -> None:
    """A size x size RGB pattern saved as a JPEG Q90, 256 px tiled pyramid (levels as pages)."""
    xyz = pyvips.Image.xyz(size, size)
    red = (xyz[0] % 256).cast("uchar")
    green = (xyz[1] % 256).cast("uchar")
    blue = ((xyz[0] + xyz[1]) % 256).cast("uchar")
    image = red.bandjoin([green, blue]).copy(interpretation="srgb")
    image.tiffsave(
        str(path),
        tile=True,
        tile_width=256,
        tile_height=256,
        pyramid=True,
        compression="jpeg",
        Q=90,
        bigtiff=True,
        subifd=False,
    )


def per_tile_us(fetch: Callable[[int, int], object], addresses: list[tuple[int, int]]) -> float:
    for col, row in addresses[:10]:  # warm caches and imports
        fetch(col, row)
    start = time.perf_counter()
    for col, row in addresses:
        fetch(col, row)
    return (time.perf_counter() - start) / len(addresses) * 1e6


def bench(path: Path, tiles: int, seed: int = 1) -> None:
    reader = open_slide(path)
    native = native_tiles(path, reader)
    if native is None:
        print(f"{path.name}: no JPEG-tiled level 0, nothing to compare")
        return
    z = native.grid.levels[-1].z
    tile_size = native.grid.tile_size
    width, height = reader.dimensions
    cols, rows = width // tile_size, height // tile_size  # interior tiles only
    rng = random.Random(seed)
    addresses = [(rng.randrange(cols), rng.randrange(rows)) for _ in range(tiles)]

    def ours(col: int, row: int) -> bytes:
        return native.tile(z, col, row).data

    slide = openslide.OpenSlide(path)
    reference = DeepZoomGenerator(slide, tile_size=tile_size, overlap=0)
    ref_z = reference.level_count - 1

    def theirs(col: int, row: int) -> bytes:
        buffer = io.BytesIO()
        reference.get_tile(ref_z, (col, row)).save(buffer, "JPEG", quality=90)
        return buffer.getvalue()

    passthrough = per_tile_us(ours, addresses)
    deepzoom = per_tile_us(theirs, addresses)
    print(
        f"{path.name} ({width}x{height}, {tile_size} px tiles, {tiles} random tiles): "
        f"passthrough {passthrough:.1f} µs/tile, DeepZoomGenerator {deepzoom:.1f} µs/tile, "
        f"ratio {deepzoom / passthrough:.0f}x"
    )
    native.close()
    reader.close()
    slide.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40000, help="side of the generated pyramid")
    parser.add_argument("--tiles", type=int, default=300, help="random tiles per measurement")
    args = parser.parse_args()
    if CMU.exists():
        bench(CMU, args.tiles)
    else:
        print(f"{CMU} is absent: skipping the Aperio slide")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"generated-{args.size}.tif"
        start = time.perf_counter()
        generate_pyramid(path, args.size)
        print(f"generated {args.size}x{args.size} pyramid in {time.perf_counter() - start:.1f} s")
        bench(path, args.tiles)


if __name__ == "__main__":
    main()
