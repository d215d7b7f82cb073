import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parseDzi, pyramid, tileCrop, tileUrl, tilesBase } from '../dzi.js';

const XML = `<?xml version="1.0" encoding="UTF-8"?>
<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" TileSize="254" Overlap="1" Format="jpeg">
  <Size Width="2220" Height="2967"/>
</Image>`;

test('a DZI descriptor is parsed', () => {
  assert.deepEqual(parseDzi(XML), {
    tileSize: 254,
    overlap: 1,
    format: 'jpeg',
    width: 2220,
    height: 2967,
    url: null,
  });
});

test('a descriptor without a size is refused', () => {
  assert.throws(() => parseDzi('<Image TileSize="256" Overlap="0" Format="png"></Image>'), /width/);
});

test('tiles live in <name>_files beside the descriptor, as in Deep Zoom', () => {
  const info = parseDzi(XML);
  assert.equal(tilesBase('/api/v1/images/images/7/dzi.dzi', info), '/api/v1/images/images/7/dzi_files/');
  assert.equal(tileUrl('/x/dzi_files/', 12, 3, 4, 'jpeg'), '/x/dzi_files/12/3_4.jpeg');
});

test('a query string of the descriptor stays at the end of tile URLs', () => {
  const base = tilesBase('/i/7/dzi.dzi?v=abc', { url: null });
  assert.equal(tileUrl(base, 1, 0, 0, 'png'), '/i/7/dzi_files/1/0_0.png?v=abc');
});

test('a descriptor Url attribute is used as the tile base', () => {
  assert.equal(tilesBase('/i/7/dzi.dzi', { url: '/tiles/abc' }), '/tiles/abc/');
});

test('the pyramid starts at the largest level that fits in one tile', () => {
  const p = pyramid({ width: 2220, height: 2967, tileSize: 254 });
  assert.equal(p.maxLevel, 12);
  assert.equal(p.minLevel, 8); // 2967 / 16 = 186 px fits, 2967 / 8 = 371 px does not
  assert.deepEqual(p.resolutions, [16, 8, 4, 2, 1]);
  const top = p.levels[p.levels.length - 1];
  assert.deepEqual([top.width, top.height, top.cols, top.rows], [2220, 2967, 9, 12]);
});

test('an image smaller than a tile has one level', () => {
  const p = pyramid({ width: 100, height: 60, tileSize: 256 });
  assert.deepEqual(p.resolutions, [1]);
  assert.equal(p.levels[0].level, 7);
});

test('overlap is cropped on sides that have neighbours and edge tiles are partial', () => {
  const level = { width: 600, height: 300 };
  assert.deepEqual(tileCrop(level, 0, 0, { tileSize: 254, overlap: 1 }), { x: 0, y: 0, width: 254, height: 254 });
  assert.deepEqual(tileCrop(level, 2, 1, { tileSize: 254, overlap: 1 }), { x: 1, y: 1, width: 92, height: 46 });
});
