import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_TILES, MOVE_KEYS, Screening, createGrid, gridSize, neighbour, progressText, tileSizeProblem } from '../screening.js';

const grid = (width, height, tile = 100) => ({ id: 7, ...createGrid(tile, tile, width, height) });

test('the grid is row-major with edge tiles cut at the image border, as EXACT keys it', () => {
  const row = grid(250, 120);
  assert.equal(row.x_steps, 3);
  assert.equal(row.y_steps, 2);
  assert.deepEqual(Object.keys(row.screening_tiles), ['0', '1', '2', '3', '4', '5']);
  assert.deepEqual(row.screening_tiles[2], { Screened: false, x_min: 200, y_min: 0, x_max: 250, y_max: 100 });
  assert.deepEqual(row.screening_tiles[3], { Screened: false, x_min: 0, y_min: 100, x_max: 100, y_max: 120 });
  assert.equal(row.current_index, 0);
  assert.equal(row.x_resolution, 100);
});

test('an image smaller than a tile is one tile', () => {
  assert.deepEqual(gridSize(350, 350, 200, 90), { xSteps: 1, ySteps: 1, count: 1 });
});

test('tile sizes that are too small or make too many tiles are refused', () => {
  assert.equal(tileSizeProblem(350, 350, 2220, 2967), null);
  assert.match(tileSizeProblem(8, 350, 2220, 2967), /at least 16/);
  assert.match(tileSizeProblem(350.5, 350, 2220, 2967), /whole number/);
  assert.match(tileSizeProblem(16, 16, 200000, 100000), new RegExp(`at most ${MAX_TILES}`));
});

test('neighbours follow EXACT: left and right run on through row ends, up and down stop', () => {
  // 3 columns, 6 tiles.
  assert.equal(neighbour(2, 'right', 3, 6), 3);
  assert.equal(neighbour(3, 'left', 3, 6), 2);
  assert.equal(neighbour(0, 'left', 3, 6), 0);
  assert.equal(neighbour(5, 'right', 3, 6), 5);
  assert.equal(neighbour(1, 'down', 3, 6), 4);
  assert.equal(neighbour(4, 'down', 3, 6), 4);
  assert.equal(neighbour(1, 'up', 3, 6), 1);
  assert.throws(() => neighbour(0, 'sideways', 3, 6));
});

test('w/a/s/d mark and i/j/k/l only look, as in EXACT', () => {
  assert.deepEqual(MOVE_KEYS.d, ['right', true]);
  assert.deepEqual(MOVE_KEYS.l, ['right', false]);
  assert.equal(Object.keys(MOVE_KEYS).sort().join(''), 'adijklsw');
});

test('a marking move marks the tile left and the tile reached, and says so for the server', () => {
  const screening = new Screening(grid(300, 300));
  assert.deepEqual(screening.move('right'), { current_index: 1, mark_screened: [0] });
  assert.deepEqual(screening.move('down'), { current_index: 4, mark_screened: [1] });
  assert.equal(screening.current, 4);
  assert.deepEqual([0, 1, 4].map((i) => screening.isScreened(i)), [true, true, true]);
  assert.equal(screening.screened, 3);
});

test('a looking move changes the tile without marking or saving', () => {
  const screening = new Screening(grid(300, 300));
  assert.equal(screening.move('right', false), null);
  assert.equal(screening.current, 1);
  assert.equal(screening.screened, 0);
  // Moving on from a tile looked at marks it.
  assert.deepEqual(screening.move('right'), { current_index: 2, mark_screened: [1] });
  assert.equal(screening.isScreened(0), false);
});

test('at the last tile a marking move stays and still marks it', () => {
  const row = grid(200, 100);
  row.current_index = 1;
  const screening = new Screening(row);
  assert.deepEqual(screening.move('right'), { current_index: 1, mark_screened: [1] });
  assert.equal(screening.screened, 1);
});

test('progress counts screened tiles and reads like the panel', () => {
  const row = grid(1000, 800); // 10 × 8 = 80 tiles
  for (let i = 0; i < 12; i += 1) row.screening_tiles[i].Screened = true;
  row.current_index = 11;
  const screening = new Screening(row);
  const progress = screening.progress();
  assert.deepEqual(progress, { index: 11, total: 80, screened: 12, percent: 15 });
  assert.equal(progressText(progress), 'tile 12 / 80, 15 % screened');
});

test('percent rounds down, so 100 % means every tile', () => {
  const row = grid(1000, 1000);
  Object.values(row.screening_tiles).slice(0, 99).forEach((tile) => { tile.Screened = true; });
  assert.equal(new Screening(row).progress().percent, 99);
});

test('the view box is the tile plus 10 % on each side', () => {
  const screening = new Screening(grid(1000, 800));
  screening.jump(11);
  assert.deepEqual(screening.viewBox(), [90, 90, 210, 210]);
});

test('tiles without bounds (made by another client) get them from the grid maths', () => {
  const screening = new Screening({ id: 1, screening_tiles: { 0: { Screened: false }, 1: { Screened: true }, 2: {}, 3: {} }, x_steps: 2, y_steps: 2, x_resolution: 50, y_resolution: 40, current_index: 3 });
  assert.deepEqual(screening.bounds(3), [50, 40, 100, 80]);
  assert.equal(screening.screened, 1);
  assert.equal(new Screening({ screening_tiles: { 0: {} } }).viewBox(), null);
});

test('the tiles under a box and under a pixel are found', () => {
  const screening = new Screening(grid(300, 300));
  assert.deepEqual(screening.tilesIn([150, 50, 250, 150]), [1, 2, 4, 5]);
  assert.deepEqual(screening.tilesIn([-500, -500, 5000, 5000]).length, 9);
  assert.equal(screening.tileAt(250, 250), 8);
  assert.equal(screening.tileAt(400, 10), -1);
});

test('a stored index beyond the grid is pulled back onto it', () => {
  const row = grid(200, 100);
  row.current_index = 9;
  assert.equal(new Screening(row).current, 1);
});
