import assert from 'node:assert/strict';
import { test } from 'node:test';

import { zoomLabel } from '../controls.js';
import { shortcuts } from '../palette.js';
import { viewportBox } from '../store.js';

test('types without a shortcut of their own get the free digits in order', () => {
  const keys = shortcuts([
    { id: 1, keyboard_shortcut: '' },
    { id: 2, keyboard_shortcut: 'T' },
    { id: 3, keyboard_shortcut: '1' },
    { id: 4 },
  ]);
  assert.deepEqual([...keys.entries()], [[1, '2'], [2, 't'], [3, '1'], [4, '3']]);
});

test('the viewport box is in image pixels, y down, clipped to the image', () => {
  assert.equal(viewportBox([-50, -700, 300, 20], 1000, 600), '0,0,300,600');
  assert.equal(viewportBox([10.4, -200.6, 20.5, -100.2], 1000, 600), '10,100,21,201');
});

test('the zoom shows magnification when the objective power is known', () => {
  assert.equal(zoomLabel(1, 40), '40.0×');
  assert.equal(zoomLabel(4, 40), '10.0×');
  assert.equal(zoomLabel(2, 1), '50%');
});
