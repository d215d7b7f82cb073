/**
 * Level of detail, the pure part: which boxes to ask for, how many annotations a view holds,
 * and whether to draw their shapes or their density. No OpenLayers, no DOM.
 *
 * Boxes are [x1, y1, x2, y2] in level-0 image pixels (y down). A density answer is the
 * server's {cell, count, x, y, annotation_type, n}: counts per cell of `cell` pixels, cell
 * (x, y) covering [x * cell, (x + 1) * cell) x [y * cell, (y + 1) * cell).
 */

/** Draw shapes when a view holds at most this many annotations; counts per cell beyond. */
export const SHAPES_LIMIT = 5000;
/** Density cells are at least this many screen pixels wide. */
export const CELL_PX = 16;
/** Ask for this much more than the view on every side, so that small pans need nothing new. */
export const MARGIN = 0.25;
/** The server's largest cell (2^20 px). */
const MAX_CELL = 1048576;

/** The smallest power-of-two cell (image px) at least `px` screen pixels wide. */
export function cellFor(resolution, px = CELL_PX) {
  const wanted = Math.max(1, px * resolution);
  return Math.min(MAX_CELL, 2 ** Math.ceil(Math.log2(wanted) - 1e-9));
}

/** The image box of a map extent (y up, image below the x axis), clipped to the image. */
export function imageBox(extent, width, height) {
  const clip = (v, max) => Math.min(Math.max(v, 0), max);
  return [clip(extent[0], width), clip(-extent[3], height), clip(extent[2], width), clip(-extent[1], height)];
}

/** `box` grown by `ratio` of its size on every side, clipped to the image. */
export function grow(box, ratio, width, height) {
  const dx = (box[2] - box[0]) * ratio;
  const dy = (box[3] - box[1]) * ratio;
  return imageBox([box[0] - dx, -(box[3] + dy), box[2] + dx, -(box[1] - dy)], width, height);
}

export function contains(outer, inner) {
  return Boolean(outer) && outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
}

/** "x1,y1,x2,y2", rounded outwards to whole pixels. */
export function boxParam(box) {
  return [Math.floor(box[0]), Math.floor(box[1]), Math.ceil(box[2]), Math.ceil(box[3])].join(',');
}

/**
 * How many annotations of a density answer lie in the cells meeting `box`: an upper bound of
 * the annotations centred in the box, exact when the box follows cell edges.
 */
export function estimate(density, box) {
  const { cell } = density;
  const [x1, y1, x2, y2] = [box[0] / cell, box[1] / cell, box[2] / cell, box[3] / cell];
  let total = 0;
  for (let i = 0; i < density.n.length; i += 1) {
    const x = density.x[i];
    const y = density.y[i];
    if (x + 1 >= x1 && x <= x2 && y + 1 >= y1 && y <= y2) total += density.n[i];
  }
  return total;
}

/**
 * What to do once the view `view` has settled: 'keep' (the shapes around it are loaded),
 * 'shapes' (fetch the shapes of `box`), 'density' (draw the counts of `density`) or 'ask'
 * (fetch a density at `cell` for `box`; then decide again with it).
 *
 * `state` is {shapesBox, density, densityBox}: the box whose shapes are loaded, and the last
 * density answer with the box it covers.
 */
export function plan({ view, wanted, cell, state, limit = SHAPES_LIMIT }) {
  if (contains(state.shapesBox, view)) return { action: 'keep' };
  const { density, densityBox } = state;
  if (!density || !contains(densityBox, view)) return { action: 'ask', box: wanted, cell };
  const inView = estimate(density, view);
  if (inView <= limit) {
    // Ask for the margin too when it is also few enough: the next pans are then free.
    const box = contains(densityBox, wanted) && estimate(density, wanted) <= limit ? wanted : view;
    return { action: 'shapes', box, count: inView };
  }
  if (density.cell === cell) return { action: 'density', count: inView };
  return { action: 'ask', box: wanted, cell };
}

/**
 * One entry per non-empty cell: the total and the type with most annotations there (its
 * colour is the cell's), with `level` in [0, 1] on a log scale of the largest total.
 */
export function densityCells(density) {
  const cells = new Map();
  for (let i = 0; i < density.n.length; i += 1) {
    const key = `${density.x[i]},${density.y[i]}`;
    const n = density.n[i];
    const type = density.annotation_type[i];
    const found = cells.get(key);
    if (!found) cells.set(key, { x: density.x[i], y: density.y[i], total: n, type, top: n });
    else {
      found.total += n;
      if (n > found.top) Object.assign(found, { type, top: n });
    }
  }
  const rows = [...cells.values()];
  const most = rows.reduce((max, row) => Math.max(max, row.total), 1);
  for (const row of rows) {
    row.level = most > 1 ? Math.log(row.total) / Math.log(most) : 1;
    delete row.top;
  }
  return rows;
}

/** Row objects from the stream's columnar answer {count, fields, <field>: [...]}. */
export function rowsOfColumns(answer) {
  const rows = new Array(answer.count);
  for (let i = 0; i < answer.count; i += 1) {
    const row = {};
    for (const field of answer.fields) row[field] = answer[field][i];
    rows[i] = row;
  }
  return rows;
}

/** Whether an image box [x1, y1, x2, y2] meets another. */
export function meets(a, b) {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}

/**
 * 'webgl' when a GPU draws WebGL, 'canvas' without WebGL or when WebGL is emulated on the CPU
 * (SwiftShader, llvmpipe: headless Chromium, virtual machines, remote desktops). There, Canvas 2D
 * is the faster of the two by far: measured by benchmarks/viewer.py with 5,000 polygons,
 * 49 frames per second against 2, WebGL's strokes costing a quarter of a second per frame.
 */
export function preferredRenderer(webglName) {
  if (!webglName) return 'canvas';
  return /swiftshader|llvmpipe|softpipe|software|basic render/i.test(webglName) ? 'canvas' : 'webgl';
}
