import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  VectorType,
  formatMeasure,
  measure,
  shapeToVector,
  toImage,
  toMap,
  vectorToShape,
} from '../annotations.js';

const roundTrip = (vector, type, options) => shapeToVector(vectorToShape(vector, type), type, options);

test('map coordinates flip the y axis of image pixels', () => {
  assert.deepEqual(toMap(10, 20), [10, -20]);
  assert.deepEqual(toImage([10, -20]), [10, 20]);
});

test('a box becomes a closed rectangle ring with y pointing up', () => {
  const shape = vectorToShape({ x1: 10, y1: 20, x2: 110, y2: 70 }, VectorType.BOX);
  assert.equal(shape.kind, 'Polygon');
  assert.deepEqual(shape.coordinates, [[10, -20], [110, -20], [110, -70], [10, -70], [10, -20]]);
});

test('every drawable type survives a round trip through a shape', () => {
  const cases = [
    [VectorType.BOX, { x1: 10, y1: 20, x2: 110, y2: 70 }],
    [VectorType.FIXED_BOX, { x1: 0, y1: 0, x2: 50, y2: 50 }],
    [VectorType.POINT, { x1: 90, y1: 90, x2: 110, y2: 110 }],
    [VectorType.LINE, { x1: 1, y1: 2, x2: 30, y2: 40 }],
    [VectorType.MULTI_LINE, { x1: 1, y1: 2, x2: 30, y2: 40, x3: 50, y3: 5 }],
    [VectorType.POLYGON, { x1: 1, y1: 2, x2: 30, y2: 40, x3: 50, y3: 5 }],
  ];
  for (const [type, vector] of cases) {
    assert.deepEqual(roundTrip(vector, type, { defaultWidth: 50, defaultHeight: 50 }), vector, `type ${type}`);
  }
});

test('the frame is written into the vector when given', () => {
  const vector = roundTrip({ x1: 1, y1: 2, x2: 30, y2: 40 }, VectorType.LINE, { frame: 3 });
  assert.equal(vector.frame, 3);
});

test('a box dragged from bottom right to top left is normalised', () => {
  const shape = { kind: 'Polygon', coordinates: [[100, -80], [20, -80], [20, -10], [100, -10], [100, -80]] };
  assert.deepEqual(shapeToVector(shape, VectorType.BOX), { x1: 20, y1: 10, x2: 100, y2: 80 });
});

test('a box is clamped to the image and keeps at least one pixel', () => {
  const shape = { kind: 'Polygon', coordinates: [[-5, 5], [-5, 5], [-5, 5], [-5, 5], [-5, 5]] };
  assert.deepEqual(shapeToVector(shape, VectorType.BOX, { width: 100, height: 100 }), {
    x1: 0,
    y1: 0,
    x2: 1,
    y2: 1,
  });
});

test('a click makes a fixed-size box of the default size centred on it', () => {
  const shape = { kind: 'Point', coordinates: [100, -200] };
  const vector = shapeToVector(shape, VectorType.FIXED_BOX, { defaultWidth: 40, defaultHeight: 20 });
  assert.deepEqual(vector, { x1: 80, y1: 190, x2: 120, y2: 210 });
});

test('a clicked point is stored as the bounding box of its circle', () => {
  const shape = { kind: 'Point', coordinates: [100, -200] };
  const vector = shapeToVector(shape, VectorType.POINT, { defaultWidth: 30, defaultHeight: 30 });
  assert.deepEqual(vector, { x1: 85, y1: 185, x2: 115, y2: 215 });
  assert.equal(vectorToShape(vector, VectorType.POINT).radius, 15);
});

test('a polygon loses its closing node and repeated nodes', () => {
  const shape = { kind: 'Polygon', coordinates: [[0, 0], [10, 0], [10, 0], [10, -10], [0, 0]] };
  assert.deepEqual(shapeToVector(shape, VectorType.POLYGON), { x1: 0, y1: 0, x2: 10, y2: 0, x3: 10, y3: 10 });
});

test('a global label has only a frame and no shape', () => {
  assert.deepEqual(shapeToVector(null, VectorType.GLOBAL, { frame: 2 }), { frame: 2 });
  assert.equal(vectorToShape({ frame: 2 }, VectorType.GLOBAL), null);
});

test('vectors without enough nodes have no shape', () => {
  assert.equal(vectorToShape(null, VectorType.BOX), null);
  assert.equal(vectorToShape({ x1: 1, y1: 1, x2: 2, y2: 2 }, VectorType.POLYGON), null);
});

test('measurements are in µm when the pixel size is known', () => {
  const shape = vectorToShape({ x1: 0, y1: 0, x2: 100, y2: 50 }, VectorType.BOX);
  const m = measure(shape, 0.5);
  assert.equal(m.areaPx, 5000);
  assert.equal(m.lengthPx, 300);
  assert.equal(m.areaUm2, 1250);
  assert.equal(m.lengthUm, 150);
  assert.equal(formatMeasure(m, 'Polygon'), '1250.0 µm² · 150.0 µm');
  assert.equal(formatMeasure(measure(shape, 0), 'Polygon'), '5000 px² · 300 px');
});
