import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LiveFeed, snapshotOfChange } from '../live.js';
import { tileQuery } from '../panels.js';
import { nextOpen } from '../verify.js';

class FakeEventSource {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.handlers = {};
    this.closed = false;
    FakeEventSource.last = this;
  }

  addEventListener(name, handler) {
    this.handlers[name] = handler;
  }

  emit(name, data) {
    this.handlers[name](data === undefined ? {} : { data: JSON.stringify(data) });
  }

  close() {
    this.closed = true;
  }
}

test('an event of the stream reaches onChange as the annotation it carries', () => {
  const seen = [];
  const feed = new LiveFeed({ imageId: 7, api: null, onChange: (a) => seen.push(a), EventSourceImpl: FakeEventSource });
  feed.start();
  assert.equal(FakeEventSource.last.url, '/api/v1/annotations/events/?image=7');
  FakeEventSource.last.emit('annotation', { event_id: 3, action: 'create', annotation: { id: 1, unique_identifier: 'u' } });
  assert.deepEqual(seen, [{ id: 1, unique_identifier: 'u' }]);
  feed.stop();
});

test('repeated stream failures switch the feed to polling from the server time', async () => {
  const urls = [];
  const api = {
    annotationsUrl: (params) => `/list?${new URLSearchParams(params)}`,
    listAll: async (url) => {
      urls.push(url);
      return [{ id: 2, unique_identifier: 'v', last_edit_time: '2026-01-01T00:00:05.000000' }];
    },
  };
  const seen = [];
  const feed = new LiveFeed({ imageId: 7, api, since: '2026-01-01T00:00:00.000000', onChange: (a) => seen.push(a), EventSourceImpl: FakeEventSource });
  feed.start();
  const source = FakeEventSource.last;
  for (let i = 0; i < 3; i += 1) source.emit('error');
  assert.ok(source.closed);
  assert.equal(feed.mode, 'polling');
  await new Promise((resolve) => setTimeout(resolve, 10));
  feed.stop();
  assert.match(urls[0], /last_edit_time__gte=2026-01-01T00%3A00%3A00.000000/);
  assert.equal(seen[0].unique_identifier, 'v');
  assert.equal(feed.since, '2026-01-01T00:00:05.000000');
});

test('a change becomes a snapshot with flags as booleans', () => {
  const snapshot = snapshotOfChange({ id: 1, unique_identifier: 'u', annotation_type: 2, vector: { x1: 1 }, deleted: 0, frame: 3 });
  assert.equal(snapshot.deleted, false);
  assert.equal(snapshot.generated, false);
  assert.equal(snapshot.frame, 3);
  assert.equal(snapshot.meta_data, null);
});

test('the tile query carries the 0-based frame and every channel display', () => {
  const query = tileQuery(2, [
    { color: '#ff0000', window: [10, 4000], visible: true },
    { color: '#00ff00', window: [0, 255], visible: false },
  ]);
  assert.equal(decodeURIComponent(query), 'frame=2&c0=10:4000:ff0000:1&c1=0:255:00ff00:0');
  assert.equal(tileQuery(null, []), '');
});

test('the verification view moves on to the next annotation not judged yet', () => {
  const items = [{ id: 1 }, { id: 2 }, { id: 3 }];
  assert.equal(nextOpen(items, new Map([[2, true]]), 0), 2);
  assert.equal(nextOpen(items, new Map([[3, true]]), 1), 0);
  assert.equal(nextOpen(items, new Map([[1, true], [2, false], [3, true]]), 0), -1);
});
