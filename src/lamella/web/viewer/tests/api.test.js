import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiError, createApi, csrfFromCookie, query } from '../api.js';

function fakeFetch(responses) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, ...init });
    const [status, body] = responses.shift();
    return {
      ok: status < 400,
      status,
      statusText: 'status',
      json: async () => body,
    };
  };
  return { calls, impl };
}

test('the CSRF token is read from the cookie', () => {
  assert.equal(csrfFromCookie('a=1; csrftoken=abc%3D; b=2'), 'abc=');
  assert.equal(csrfFromCookie(''), '');
});

test('query strings skip missing values', () => {
  assert.equal(query({ image: 3, frame: null, in_bbox: '0,0,1,1' }), '?image=3&in_bbox=0%2C0%2C1%2C1');
});

test('writes carry the CSRF header and reads do not', async () => {
  const { calls, impl } = fakeFetch([[201, { id: 1 }], [200, { results: [], next: null }]]);
  const api = createApi({ cookie: () => 'csrftoken=tok', fetchImpl: impl });
  await api.saveAnnotation({ image: 1 });
  await api.listAll('/list/');
  assert.equal(calls[0].headers['X-CSRFToken'], 'tok');
  assert.equal(calls[0].method, 'POST');
  assert.equal(calls[0].body, '{"image":1}');
  assert.equal(calls[1].headers['X-CSRFToken'], undefined);
});

test('lists follow next pages', async () => {
  const { impl } = fakeFetch([
    [200, { results: [1, 2], next: '/list/?offset=2' }],
    [200, { results: [3], next: null }],
  ]);
  const api = createApi({ fetchImpl: impl });
  assert.deepEqual(await api.listAll('/list/'), [1, 2, 3]);
});

test('an error carries the detail the server sent', async () => {
  const { impl } = fakeFetch([[400, { detail: 'a polygon needs at least three nodes' }]]);
  const api = createApi({ fetchImpl: impl });
  await assert.rejects(api.patchAnnotation(5, {}), (error) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    assert.equal(error.detail, 'a polygon needs at least three nodes');
    return true;
  });
});
