import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  SHAPES_LIMIT,
  boxParam,
  cellFor,
  contains,
  densityCells,
  estimate,
  grow,
  imageBox,
  meets,
  plan,
  preferredRenderer,
  rowsOfColumns,
} from '../lod.js';
import { createApi } from '../api.js';
import { AnnotationStore } from '../store.js';

// Four cells of 100 px: two at the origin (types 1 and 2), one at (1, 0), one far away.
const DENSITY = { cell: 100, count: 37, x: [0, 0, 1, 9], y: [0, 0, 0, 9], annotation_type: [1, 2, 1, 2], n: [10, 5, 20, 2] };

test('density cells are powers of two at least the wanted screen size', () => {
  assert.equal(cellFor(1, 16), 16);
  assert.equal(cellFor(3, 16), 64);
  assert.equal(cellFor(0.01, 16), 1);
  assert.equal(cellFor(1e9, 16), 1048576);
});

test('image boxes are clipped to the image and grown within it', () => {
  assert.deepEqual(imageBox([-50, -700, 300, 20], 1000, 600), [0, 0, 300, 600]);
  assert.deepEqual(grow([100, 100, 200, 300], 0.5, 1000, 1000), [50, 0, 250, 400]);
  assert.deepEqual(grow([0, 0, 1000, 600], 0.25, 1000, 600), [0, 0, 1000, 600]);
  assert.equal(boxParam([10.4, 20.6, 30.2, 40.8]), '10,20,31,41');
});

test('boxes contain and meet each other edges included', () => {
  assert.ok(contains([0, 0, 10, 10], [0, 0, 10, 10]));
  assert.ok(!contains([0, 0, 10, 10], [5, 5, 11, 10]));
  assert.ok(!contains(null, [0, 0, 1, 1]));
  assert.ok(meets([0, 0, 10, 10], [10, 10, 20, 20]));
  assert.ok(!meets([0, 0, 10, 10], [11, 0, 20, 10]));
});

test('an estimate sums the cells meeting the box', () => {
  assert.equal(estimate(DENSITY, [0, 0, 50, 50]), 15);
  assert.equal(estimate(DENSITY, [0, 0, 150, 50]), 35);
  assert.equal(estimate(DENSITY, [0, 0, 1000, 1000]), 37);
  assert.equal(estimate(DENSITY, [300, 300, 400, 400]), 0);
});

test('a view inside the loaded shapes needs nothing', () => {
  const state = { shapesBox: [0, 0, 500, 500], density: null, densityBox: null };
  assert.deepEqual(plan({ view: [10, 10, 20, 20], wanted: [0, 0, 30, 30], cell: 4, state }), { action: 'keep' });
});

test('without a density covering the view, one is asked for the wanted box', () => {
  const state = { shapesBox: null, density: DENSITY, densityBox: [0, 0, 100, 100] };
  const step = plan({ view: [0, 0, 200, 200], wanted: [0, 0, 300, 300], cell: 100, state });
  assert.deepEqual(step, { action: 'ask', box: [0, 0, 300, 300], cell: 100 });
});

test('few enough annotations are fetched as shapes, with the margin when it is few enough too', () => {
  const state = { shapesBox: null, density: DENSITY, densityBox: [0, 0, 1000, 1000] };
  const withMargin = plan({ view: [0, 0, 50, 50], wanted: [0, 0, 1000, 1000], cell: 100, state, limit: 40 });
  assert.deepEqual(withMargin, { action: 'shapes', box: [0, 0, 1000, 1000], count: 15 });
  const viewOnly = plan({ view: [0, 0, 50, 50], wanted: [0, 0, 1000, 1000], cell: 100, state, limit: 20 });
  assert.deepEqual(viewOnly, { action: 'shapes', box: [0, 0, 50, 50], count: 15 });
});

test('too many annotations draw the density, asked again when its cells do not fit the zoom', () => {
  const state = { shapesBox: null, density: DENSITY, densityBox: [0, 0, 1000, 1000] };
  const view = [0, 0, 150, 50];
  assert.deepEqual(plan({ view, wanted: view, cell: 100, state, limit: 30 }), { action: 'density', count: 35 });
  assert.deepEqual(plan({ view, wanted: view, cell: 64, state, limit: 30 }), { action: 'ask', box: view, cell: 64 });
  assert.ok(SHAPES_LIMIT > 1000);
});

test('density cells take the colour of their most frequent type and a log level', () => {
  const cells = densityCells(DENSITY);
  assert.deepEqual(
    cells.map(({ x, y, total, type }) => [x, y, total, type]),
    [[0, 0, 15, 1], [1, 0, 20, 1], [9, 9, 2, 2]],
  );
  const levels = Object.fromEntries(cells.map((c) => [`${c.x},${c.y}`, c.level]));
  assert.equal(levels['1,0'], 1);
  assert.ok(levels['9,9'] > 0 && levels['9,9'] < levels['0,0']);
});

test('columnar answers become one object per row', () => {
  const rows = rowsOfColumns({ count: 2, fields: ['id', 'vector'], id: [4, 5], vector: [{ x1: 1 }, null] });
  assert.deepEqual(rows, [{ id: 4, vector: { x1: 1 } }, { id: 5, vector: null }]);
});

test('software WebGL gets the canvas renderer, a GPU gets WebGL', () => {
  assert.equal(preferredRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)'), 'canvas');
  assert.equal(preferredRenderer('llvmpipe (LLVM 15.0.6, 256 bits)'), 'canvas');
  assert.equal(preferredRenderer(null), 'canvas');
  assert.equal(preferredRenderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)'), 'webgl');
});

function storeWith(answer) {
  const calls = [];
  const fetchImpl = async (url) => (calls.push(url), { ok: true, status: 200, json: async () => answer });
  const api = createApi({ fetchImpl });
  const config = { image: { id: 7, width: 1000, height: 1000, frames: 1 }, annotation_types: [{ id: 1, vector_type: 1 }] };
  return { store: new AnnotationStore({ api, config, notify: () => {} }), calls };
}

const boxAt = (id, x) => ({
  id,
  unique_identifier: `u${id}`,
  annotation_type: 1,
  vector: { x1: x, y1: 10, x2: x + 10, y2: 20 },
  deleted: false,
});

test('the store fetches a box through the columnar stream and forgets the far shapes', async () => {
  const answer = { count: 3, fields: ['id', 'unique_identifier', 'annotation_type', 'vector', 'deleted'] };
  const rows = [boxAt(1, 10), boxAt(2, 500), boxAt(3, 900)];
  for (const field of answer.fields) answer[field] = rows.map((row) => row[field]);
  const { store, calls } = storeWith(answer);
  store.receive(await store.fetchBox([0, 0, 999.5, 1000]));
  assert.match(calls[0], /stream\/\?image=7&in_bbox=0%2C0%2C1000%2C1000&frame=1&deleted=false&format=columnar/);
  assert.equal(store.source.getFeatures().length, 3);
  store.featureOf('u3').set('editing', true);
  store.pendingByUuid.set('u2', 1);
  assert.equal(store.prune([0, 0, 100, 100]), 0);
  store.pendingByUuid.clear();
  assert.equal(store.prune([0, 0, 100, 100]), 1);
  assert.deepEqual([...store.byUuid.keys()].sort(), ['u1', 'u3']);
  store.featureOf('u3').set('editing', false);
  assert.equal(store.prune(null), 2);
  assert.equal(store.byUuid.size, 0);
});

test('a focused annotation is fetched by its unique identifier, wherever it lies', async () => {
  const { store, calls } = storeWith({ results: [boxAt(4, 300)], next: null });
  await store.loadUuid('u4');
  assert.match(calls[0], /annotations\/\?image=7&unique_identifier=u4&deleted=false/);
  assert.ok(store.featureOf('u4'));
});
