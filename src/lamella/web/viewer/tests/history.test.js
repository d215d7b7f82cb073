import assert from 'node:assert/strict';
import { test } from 'node:test';

import { History } from '../history.js';

test('undo gives the state before and redo the state after', () => {
  const history = new History();
  history.push({ before: 'a', after: 'b' });
  history.push({ before: 'b', after: 'c' });
  assert.equal(history.undo(), 'b');
  assert.equal(history.undo(), 'a');
  assert.equal(history.undo(), null);
  assert.equal(history.redo(), 'b');
  assert.equal(history.redo(), 'c');
  assert.equal(history.redo(), null);
});

test('a new change clears what could be redone', () => {
  const history = new History();
  history.push({ before: 'a', after: 'b' });
  history.undo();
  assert.ok(history.canRedo);
  history.push({ before: 'a', after: 'x' });
  assert.ok(!history.canRedo);
});

test('the oldest steps are forgotten past the limit', () => {
  const history = new History(2);
  for (const step of ['1', '2', '3']) history.push({ before: step, after: step });
  assert.equal(history.undo(), '3');
  assert.equal(history.undo(), '2');
  assert.equal(history.undo(), null);
});
