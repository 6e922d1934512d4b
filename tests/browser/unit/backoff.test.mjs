// Reconnect delays: 0.5 s doubling to 10 s, with jitter between half and all of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { delay } from '../../../ui/js/lib/backoff.js';

test('the delay doubles from half a second to at most ten, jittered between half and all of it', () => {
  const lowest = (attempt) => delay(attempt, () => 0);
  const highest = (attempt) => delay(attempt, () => 1);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(highest), [500, 1000, 2000, 4000, 8000, 10000]);
  assert.deepEqual([0, 1, 5, 30].map(lowest), [250, 500, 5000, 5000]);
  assert.equal(highest(1000), 10000, 'no overflow however many attempts');
});
