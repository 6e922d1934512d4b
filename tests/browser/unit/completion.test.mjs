// What the composer offers after `@`, and the typing line's sentence.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { candidates, mentionAt } from '../../../ui/js/views/mention-complete.js';
import { typingText } from '../../../ui/js/views/typing-line.js';

test('an @ at the caret starts a completion; an e-mail address or a finished name does not', () => {
  assert.deepEqual(mentionAt('hi @al', 6), { start: 3, prefix: 'al' });
  assert.deepEqual(mentionAt('@', 1), { start: 0, prefix: '' });
  assert.deepEqual(mentionAt('(@bo', 4), { start: 1, prefix: 'bo' });
  assert.equal(mentionAt('mail me@home', 12), null);
  assert.equal(mentionAt('hi @al ', 7), null);
  assert.equal(mentionAt('hi al', 5), null);
  assert.deepEqual(mentionAt('hi @al there', 6), { start: 3, prefix: 'al' }, 'the caret decides, not the end');
});

test('candidates are members starting with the prefix (not me), then @here and @room', () => {
  const names = ['alice', 'Albert', 'bob', 'me'];
  assert.deepEqual(candidates(names, 'al', 'me'), ['Albert', 'alice']);
  assert.deepEqual(candidates(names, '', 'ME'), ['Albert', 'alice', 'bob', 'here', 'room']);
  assert.deepEqual(candidates(names, 'r', 'me'), ['room']);
  assert.equal(candidates(Array.from({ length: 20 }, (_, i) => `user${i}`), 'u', 'me').length, 8);
});

test('the typing line names up to three people', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['alice']), 'alice is typing…');
  assert.equal(typingText(['alice', 'bob']), 'alice and bob are typing…');
  assert.equal(typingText(['a', 'b', 'c']), 'a, b and c are typing…');
  assert.equal(typingText(['a', 'b', 'c', 'd']), 'Several people are typing…');
});
