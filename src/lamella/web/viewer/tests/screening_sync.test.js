import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError } from '../api.js';
import { ScreeningSync, mergeMoves } from '../screening_sync.js';

/** A fake API whose PATCHes wait until released, recording every request. */
function fakeApi({ failFirst = false } = {}) {
  const calls = [];
  const waiting = [];
  let failures = failFirst ? 1 : 0;
  return {
    calls,
    release() {
      waiting.splice(0).forEach((resolve) => resolve());
    },
    async request(method, url, body) {
      calls.push({ method, url, body });
      if (method === 'GET') return { results: [{ id: 5, current_index: 2 }] };
      if (method === 'POST') return { id: 9, ...body };
      await new Promise((resolve) => waiting.push(resolve));
      if (failures > 0) {
        failures -= 1;
        throw new ApiError(503, 'down');
      }
      return { id: 5 };
    },
  };
}

test('moves merge: the last tile, and every tile passed', () => {
  const merged = mergeMoves({ current_index: 3, mark_screened: [2] }, { current_index: 4, mark_screened: [3] });
  assert.deepEqual(merged, { current_index: 4, mark_screened: [2, 3] });
  const back = mergeMoves({ current_index: 3, mark_screened: [2] }, { current_index: 2, mark_screened: [3] });
  assert.deepEqual(back, { current_index: 2, mark_screened: [3] });
});

test('the row is looked up by image and user, and created when there is none', async () => {
  const api = fakeApi();
  const sync = new ScreeningSync({ api, imageId: 3, userId: 4 });
  assert.equal((await sync.load()).id, 5);
  assert.equal(api.calls[0].url, '/api/v1/images/screening_modes/?image=3&user=4');
  const fresh = new ScreeningSync({ api, imageId: 3, userId: 4 });
  const row = await fresh.start({ current_index: 0 });
  assert.equal(row.id, 9);
  assert.deepEqual(api.calls.at(-1).body, { current_index: 0, image: 3 });
  assert.equal(fresh.id, 9);
});

test('one move is in flight at a time; the ones made meanwhile go out merged, in order', async () => {
  const api = fakeApi();
  const sync = new ScreeningSync({ api, imageId: 3, userId: 4 });
  await sync.load();
  const first = sync.save({ current_index: 3, mark_screened: [2] });
  sync.save({ current_index: 4, mark_screened: [3] });
  sync.save({ current_index: 5, mark_screened: [4] });
  assert.equal(sync.pending, 2);
  api.release();
  await new Promise((resolve) => setImmediate(resolve));
  api.release();
  await first;
  const patches = api.calls.filter((call) => call.method === 'PATCH');
  assert.deepEqual(patches.map((call) => call.body), [
    { current_index: 3, mark_screened: [2] },
    { current_index: 5, mark_screened: [3, 4] },
  ]);
  assert.equal(patches[0].url, '/api/v1/images/screening_modes/5/?fields=id%2Ccurrent_index');
  assert.equal(sync.pending, 0);
});

test('a failed save is reported and goes out again with the next move', async () => {
  const api = fakeApi({ failFirst: true });
  const errors = [];
  const sync = new ScreeningSync({ api, imageId: 3, userId: 4, onError: (error) => errors.push(error.status) });
  await sync.load();
  const failed = sync.save({ current_index: 3, mark_screened: [2] });
  api.release();
  await failed;
  assert.deepEqual(errors, [503]);
  assert.equal(sync.pending, 1);
  const retried = sync.save({ current_index: 4, mark_screened: [3] });
  api.release();
  await retried;
  assert.deepEqual(api.calls.at(-1).body, { current_index: 4, mark_screened: [2, 3] });
  assert.equal(sync.pending, 0);
});

test('nothing is saved before the row exists, nor for a looking move', async () => {
  const api = fakeApi();
  const sync = new ScreeningSync({ api, imageId: 3, userId: 4 });
  await sync.save({ current_index: 1, mark_screened: [0] });
  await sync.save(null);
  assert.equal(api.calls.length, 0);
});
