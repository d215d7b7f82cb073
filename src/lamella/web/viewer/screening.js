/**
 * Screening mode, the pure part: EXACT's tile grid, moving tile by tile with EXACT's keys, and
 * progress. No DOM and no OpenLayers, so node tests all of it.
 *
 * The grid is EXACT's `screening_tiles`: `{"0": {Screened, x_min, y_min, x_max, y_max}, …}` in
 * row-major order (EXACT does not snake), image pixels with y down. As in EXACT, w/a/s/d move
 * up/left/down/right and mark both the tile left and the tile reached as screened; i/j/k/l move
 * the same way without marking (a look at the neighbour). Left and right run on through the
 * row ends, so `d` alone walks the whole slide in reading order.
 */

/** EXACT's suggested tile size in level-0 pixels (the placeholder of its size fields). */
export const DEFAULT_TILE_SIZE = 350;
/** EXACT shows the tile with 10 % of its size around it, so nothing hides at the seams. */
export const OVERLAP = 0.1;
/** The server's limit (lamella.images.screening.MAX_TILES). */
export const MAX_TILES = 250000;
export const MIN_TILE_SIZE = 16;

/** Key → [direction, marks screened]: EXACT's screening keys. */
export const MOVE_KEYS = {
  w: ['up', true],
  a: ['left', true],
  s: ['down', true],
  d: ['right', true],
  i: ['up', false],
  j: ['left', false],
  k: ['down', false],
  l: ['right', false],
};

/** Columns, rows and tiles of a grid of tileWidth × tileHeight over an image. */
export function gridSize(tileWidth, tileHeight, imageWidth, imageHeight) {
  const xSteps = Math.max(1, Math.ceil(imageWidth / tileWidth));
  const ySteps = Math.max(1, Math.ceil(imageHeight / tileHeight));
  return { xSteps, ySteps, count: xSteps * ySteps };
}

/** Why a tile size cannot screen this image, or null. */
export function tileSizeProblem(tileWidth, tileHeight, imageWidth, imageHeight) {
  for (const size of [tileWidth, tileHeight]) {
    if (!Number.isInteger(size) || size < MIN_TILE_SIZE) return `The tile size must be a whole number of at least ${MIN_TILE_SIZE} pixels.`;
  }
  const { count } = gridSize(tileWidth, tileHeight, imageWidth, imageHeight);
  if (count > MAX_TILES) return `${count} tiles is too many (at most ${MAX_TILES}): choose a larger tile size.`;
  return null;
}

/**
 * A new screening row body (EXACT's fields): the grid, row-major, edge tiles cut at the image
 * border, nothing screened, on the first tile.
 */
export function createGrid(tileWidth, tileHeight, imageWidth, imageHeight) {
  const { xSteps, ySteps } = gridSize(tileWidth, tileHeight, imageWidth, imageHeight);
  const tiles = {};
  let index = 0;
  for (let row = 0; row < ySteps; row += 1) {
    for (let col = 0; col < xSteps; col += 1) {
      const x = col * tileWidth;
      const y = row * tileHeight;
      tiles[index] = {
        Screened: false,
        x_min: x,
        y_min: y,
        x_max: Math.min(x + tileWidth, imageWidth),
        y_max: Math.min(y + tileHeight, imageHeight),
      };
      index += 1;
    }
  }
  return {
    screening_tiles: tiles,
    x_steps: xSteps,
    y_steps: ySteps,
    x_resolution: tileWidth,
    y_resolution: tileHeight,
    current_index: 0,
  };
}

/** The tile one step from `index` (EXACT's arithmetic); `index` itself at the border. */
export function neighbour(index, direction, xSteps, total) {
  const step = { up: -xSteps, down: xSteps, left: -1, right: 1 }[direction];
  if (step === undefined) throw new Error(`unknown direction ${direction}`);
  const to = index + step;
  return to >= 0 && to < total ? to : index;
}

/** "tile 12 / 80, 15 % screened"; percent rounded down, so 100 means every tile. */
export function progressText({ index, total, percent }) {
  return `tile ${index + 1} / ${total}, ${percent} % screened`;
}

/** One user's screening of one image, as loaded from the server, moved by key presses. */
export class Screening {
  constructor(row) {
    this.row = row;
    this.tiles = row.screening_tiles || {};
    this.total = Object.keys(this.tiles).length;
    this.current = Math.min(Math.max(row.current_index || 0, 0), Math.max(this.total - 1, 0));
    this.screened = Object.values(this.tiles).filter((tile) => tile && tile.Screened === true).length;
  }

  get id() {
    return this.row.id;
  }

  get xSteps() {
    return this.row.x_steps > 0 ? this.row.x_steps : this.total;
  }

  isScreened(index) {
    const tile = this.tiles[index];
    return Boolean(tile && tile.Screened === true);
  }

  /** Mark a tile screened here; the server learns it from the move's request. */
  mark(index) {
    const tile = this.tiles[index];
    if (!tile || tile.Screened === true) return;
    tile.Screened = true;
    this.screened += 1;
  }

  /**
   * Go one tile `direction`. Marking moves (w/a/s/d) mark the tile left and the tile reached,
   * and return the PATCH body that records that; looking moves (i/j/k/l) return null.
   */
  move(direction, marking = true) {
    return this.jump(neighbour(this.current, direction, this.xSteps, this.total), marking);
  }

  /** Go to tile `index` (e.g. clicked); same marking rule as `move`. */
  jump(index, marking = true) {
    if (!this.total || index < 0 || index >= this.total) return null;
    const from = this.current;
    this.current = index;
    if (!marking) return null;
    this.mark(from);
    this.mark(index);
    return { current_index: index, mark_screened: [from] };
  }

  /** A tile's [x_min, y_min, x_max, y_max] in image pixels, from the tile or the grid maths. */
  bounds(index) {
    const tile = this.tiles[index];
    if (tile && ['x_min', 'y_min', 'x_max', 'y_max'].every((name) => Number.isFinite(tile[name]))) {
      return [tile.x_min, tile.y_min, tile.x_max, tile.y_max];
    }
    const { x_resolution: width, y_resolution: height } = this.row;
    if (!(width > 0 && height > 0) || index < 0 || index >= this.total) return null;
    const col = index % this.xSteps;
    const row = Math.floor(index / this.xSteps);
    return [col * width, row * height, (col + 1) * width, (row + 1) * height];
  }

  /** What to show for a tile: its bounds widened by `overlap` of its size on each side. */
  viewBox(index = this.current, overlap = OVERLAP) {
    const box = this.bounds(index);
    if (!box) return null;
    const [x0, y0, x1, y1] = box;
    const dx = (x1 - x0) * overlap;
    const dy = (y1 - y0) * overlap;
    return [x0 - dx, y0 - dy, x1 + dx, y1 + dy];
  }

  /** Indices of the tiles that meet an image-pixel box [x0, y0, x1, y1]. */
  tilesIn([x0, y0, x1, y1]) {
    const found = [];
    const meets = (index) => {
      const box = this.bounds(index);
      if (box && box[0] < x1 && box[2] > x0 && box[1] < y1 && box[3] > y0) found.push(index);
    };
    const { x_resolution: width, y_resolution: height } = this.row;
    const ySteps = Math.ceil(this.total / this.xSteps);
    if (!(width > 0 && height > 0)) {
      for (let index = 0; index < this.total; index += 1) meets(index);
      return found;
    }
    // A regular grid: only the rows and columns under the box need a look.
    const clamp = (value, top) => Math.min(Math.max(value, 0), top - 1);
    const [col0, col1] = [clamp(Math.floor(x0 / width), this.xSteps), clamp(Math.floor(x1 / width), this.xSteps)];
    const [row0, row1] = [clamp(Math.floor(y0 / height), ySteps), clamp(Math.floor(y1 / height), ySteps)];
    for (let row = row0; row <= row1; row += 1) {
      for (let col = col0; col <= col1; col += 1) meets(row * this.xSteps + col);
    }
    return found;
  }

  /** The tile under an image pixel, or -1. */
  tileAt(x, y) {
    return this.tilesIn([x, y, x + 1e-9, y + 1e-9])[0] ?? -1;
  }

  progress() {
    const percent = this.total ? Math.floor((this.screened * 100) / this.total) : 0;
    return { index: this.current, total: this.total, screened: this.screened, percent };
  }
}
