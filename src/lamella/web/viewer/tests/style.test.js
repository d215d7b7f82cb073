import assert from 'node:assert/strict';
import { test } from 'node:test';

import { annotationStyle, rgba } from '../style.js';

const TYPES = [
  { id: 3, color_code: '#2266dd' },
  { id: 9, color_code: '#dd3311' },
];

test('saved annotations take two rules whatever the number of types', () => {
  const rules = annotationStyle(TYPES, { threshold: 0.5 });
  assert.equal(rules.length, 2);
  const [people, models] = rules;
  assert.deepEqual(people.filter, ['==', ['get', 'generated'], 0]);
  assert.deepEqual(people.style['stroke-color'], ['match', ['get', 'type'], 3, [34, 102, 221, 1], 9, [221, 51, 17, 1], [204, 68, 68, 1]]);
  assert.deepEqual(models.filter[2], ['>=', ['get', 'score'], 0.5]);
  assert.deepEqual(models.style['stroke-line-dash'], [8, 6]);
});

test('without types every annotation takes the fallback colour', () => {
  const [people] = annotationStyle([]);
  assert.deepEqual(people.style['fill-color'], rgba('#cc4444', 0.12));
  assert.deepEqual(rgba('not a colour', 1), [204, 68, 68, 1]);
});
