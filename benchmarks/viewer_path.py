"""The scripted pan and zoom of ``benchmarks/viewer.py``, run inside the viewer page.

Each step is one ``view.animate`` (centre and resolution, 1.5 s). While it runs the page counts
the map's rendered frames (``postrender``) and the gaps between animation frames. When it ends,
the view has settled: with annotations on, the page waits until the viewer's level-of-detail
controller (``window.lamellaViewer.lod``) says the annotations of the new view are drawn, and
that wait is the step's "first annotations" time. Then, on and off alike, it waits for the map's
``rendercomplete`` (tiles loaded), so every step starts from the same state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# (x, y as fractions of the image, resolution in image px per screen px; "fit" = whole image)
PATH: list[tuple[float, float, float | str]] = [
    (0.45, 0.50, 16),
    (0.55, 0.45, 16),
    (0.56, 0.46, 2),
    (0.57, 0.47, 2),
    (0.50, 0.50, 8),
    (0.45, 0.55, 32),
    (0.50, 0.50, "fit"),
    (0.40, 0.55, "fit"),
]
STEP_MS = 1500

RUN_PATH = """
async ({ steps, settleTimeout }) => {
  const viewer = window.lamellaViewer;
  const map = viewer.map;
  const view = map.getView();
  const lod = viewer.lod || null;
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(condition, timeout) {
    const start = performance.now();
    while (!condition()) {
      if (performance.now() - start > timeout) return false;
      await sleep(4);
    }
    return true;
  }
  const complete = () => new Promise((resolve) => {
    const timer = setTimeout(resolve, 5000);
    map.once('rendercomplete', () => { clearTimeout(timer); resolve(); });
    map.render();
  });
  let counting = false;
  let frames = 0;
  const gaps = [];
  let last = null;
  const onRender = () => { if (counting) frames += 1; };
  map.on('postrender', onRender);
  let looping = true;
  const tick = (time) => {
    if (counting && last !== null) gaps.push(time - last);
    last = counting ? time : null;
    if (looping) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  await complete();
  const settles = [];
  const modes = [];
  let animating = 0;
  for (const step of steps) {
    const start = performance.now();
    counting = true;
    await new Promise((resolve) => view.animate(
      { center: step.center, resolution: step.resolution, duration: step.duration }, resolve));
    counting = false;
    const end = performance.now();
    animating += end - start;
    if (lod) {
      const shown = await until(
        () => lod.stats.settledAt >= end && lod.stats.shownAt >= lod.stats.settledAt,
        settleTimeout);
      settles.push(shown ? lod.stats.shownAt - end : null);
      const time = shown ? `${Math.round(lod.stats.shownAt - end)} ms` : 'never';
      modes.push(`${lod.stats.mode} ${lod.stats.drawn} ${time}`);
    }
    await complete();
  }
  looping = false;
  map.un('postrender', onRender);
  return { frames, animating, gaps, settles, modes };
}
"""


OPENED = """async (timeout) => {
  const lod = window.lamellaViewer.lod;
  const start = performance.now();
  while (lod && !(lod.stats.shownAt > 0) && performance.now() - start < timeout) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return lod && lod.stats.shownAt > 0 ? lod.stats.shownAt : null;
}"""


@dataclass
class Run:
    opened_ms: float | None
    fps: float
    p95_frame_ms: float
    settles_ms: list[float | None]
    modes: list[str]
    browser_cpu_s: float
    server_cpu_s: float


def steps(width: int, height: int, viewport: tuple[int, int]) -> list[dict[str, Any]]:
    """``PATH`` in map coordinates (y up, the image below the x axis)."""
    fit = max(width / viewport[0], height / viewport[1]) * 1.05
    return [
        {
            "center": [x * width, -y * height],
            "resolution": fit if resolution == "fit" else resolution,
            "duration": STEP_MS,
        }
        for x, y, resolution in PATH
    ]


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) of this process's descendants: Chromium's and the rest
    (the web server). The machine is shared, so wall-clock figures alone would mislead."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"browser": 0.0, "server": 0.0}
    for pid in _descendants(os.getpid()):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        totals["browser" if "chrom" in name else "server"] += used
    return totals


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run_path(page: Any, path_steps: list[dict[str, Any]]) -> Run:
    """The path on an open viewer; ``opened_ms`` is from the page's navigation to its first
    annotations (``performance.now()`` counts from there)."""
    opened = page.evaluate(OPENED, 30_000)
    before = cpu_seconds()
    result = page.evaluate(RUN_PATH, {"steps": path_steps, "settleTimeout": 15_000})
    after = cpu_seconds()
    return Run(
        opened_ms=opened,
        fps=result["frames"] * 1000 / result["animating"],
        p95_frame_ms=percentile(result["gaps"], 0.95),
        settles_ms=result["settles"],
        modes=result["modes"],
        browser_cpu_s=after["browser"] - before["browser"],
        server_cpu_s=after["server"] - before["server"],
    )
