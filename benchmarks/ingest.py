"""Ingest: Lamella's conversion of a 1-gigapixel image against pyvips' own ``tiffsave``.

Run: .venv/bin/python benchmarks/ingest.py [--size 32768] [--repeat 2]

The input is a generated --size x --size RGB JPEG (a gradient with a grid and noise, so it
neither compresses to nothing nor is pure noise), written by pyvips straight from its
pipeline, never held whole in memory, and kept in --cache-dir between runs. Each conversion
runs in a child process of its own (this script with --child), so its peak memory is that
child's ``ru_maxrss`` alone; wall time is measured around the child. Both sides write a 256 px
tiled JPEG Q90 pyramidal BigTIFF, levels as pages: Lamella through
``lamella.slides.convert_to_pyramid`` (what the ingest job calls), the baseline through
``pyvips.Image.tiffsave`` with the same options. Prints time and peak memory of each, the ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parents[1]
SIDES = ("pyvips", "lamella")


def generate_input(path: Path, size: int) -> None:
    """A size x size RGB JPEG Q90 made by a pyvips pipeline (streamed to disk)."""
    xyz = pyvips.Image.xyz(size, size)
    x, y = xyz[0], xyz[1]
    noise = pyvips.Image.gaussnoise(size, size, sigma=12, mean=0)
    grid = ((x % 512) < 8) | ((y % 512) < 8)
    red = x * (200 / size) + 40 + noise
    green = y * (200 / size) + 30 + noise
    blue = (x + y) * (100 / size) + 80 + noise
    image = red.bandjoin([green, blue])
    image = grid.ifthenelse([30, 30, 30], image).cast("uchar").copy(interpretation="srgb")
    image.jpegsave(str(path), Q=90)


def convert(side: str, source: Path, target: Path) -> None:
    """One conversion, run inside the child process."""
    if side == "lamella":
        sys.path.insert(0, str(ROOT / "src"))
        from lamella.slides.convert import convert_to_pyramid

        convert_to_pyramid(source, target, max_pixels=1 << 40)
        return
    image = pyvips.Image.new_from_file(str(source), access="sequential")
    image.tiffsave(
        str(target),
        tile=True,
        tile_width=256,
        tile_height=256,
        pyramid=True,
        bigtiff=True,
        subifd=False,
        compression="jpeg",
        Q=90,
    )


def measure(side: str, source: Path, target: Path) -> tuple[float, float]:
    """(seconds, peak resident MB) of one conversion in a child process."""
    command = [sys.executable, __file__, "--child", side, str(source), str(target)]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{side} conversion failed with status {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=32768, help="side of the generated input")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side (best kept)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "lamella-ingestbench",
        help="where the generated input is kept between runs",
    )
    parser.add_argument("--child", nargs=3, metavar=("SIDE", "SOURCE", "TARGET"), help="internal")
    args = parser.parse_args()
    if args.child:
        side, source, target = args.child
        convert(side, Path(source), Path(target))
        return

    args.cache_dir.mkdir(parents=True, exist_ok=True)
    source = args.cache_dir / f"input-{args.size}.jpg"
    if not source.exists():
        start = time.perf_counter()
        partial = source.with_name(f".{source.name}.partial.jpg")
        generate_input(partial, args.size)
        partial.replace(source)
        print(f"generated {source} in {time.perf_counter() - start:.1f} s")
    megapixels = args.size * args.size / 1e6
    print(
        f"input: {args.size}x{args.size} RGB JPEG ({megapixels:,.0f} MP, "
        f"{source.stat().st_size / 1e6:,.0f} MB); {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    best: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(dir=args.cache_dir) as folder:
        for run in range(args.repeat):
            # Alternating sides, so a change in the machine's load hits both alike.
            for side in SIDES if run % 2 == 0 else reversed(SIDES):
                target = Path(folder) / f"{side}.tif"
                seconds, peak_mb = measure(side, source, target)
                size_mb = target.stat().st_size / 1e6
                target.unlink()
                print(
                    f"  run {run + 1} {side:<8} {seconds:7.1f} s   peak {peak_mb:6.0f} MB   "
                    f"output {size_mb:,.0f} MB",
                    flush=True,
                )
                previous = best.get(side)
                best[side] = (
                    min(seconds, previous[0]) if previous else seconds,
                    max(peak_mb, previous[1]) if previous else peak_mb,
                )
    (vips_s, vips_mb), (ours_s, ours_mb) = best["pyvips"], best["lamella"]
    print(f"pyvips tiffsave: {vips_s:.1f} s, peak {vips_mb:.0f} MB (best time, highest peak)")
    print(f"lamella convert: {ours_s:.1f} s, peak {ours_mb:.0f} MB")
    print(f"ratio lamella/pyvips: time {ours_s / vips_s:.2f}x, memory {ours_mb / vips_mb:.2f}x")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
