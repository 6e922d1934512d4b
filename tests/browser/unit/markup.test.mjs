// The browser's formatting rules: the same tree as the server's for the shared corpus, no way
// for user text to become markup or a non-http(s) link, and mentions read outside code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { mentioned, parse } from '../../../ui/js/lib/markup.js';
import { renderText } from '../../../ui/js/views/rich-text.js';

const corpus = JSON.parse(
  readFileSync(new URL('../../format/corpus.json', import.meta.url), 'utf8'),
);

const KINDS = ['text', 'code', 'code_block', 'bold', 'italic', 'strike', 'link', 'mention'];
const EMPHASES = ['bold', 'italic', 'strike'];

/** Every node in `nodes`, nested ones included. */
function* all(nodes) {
  for (const node of nodes) {
    yield node;
    for (const kind of EMPHASES) if (Array.isArray(node[kind])) yield* all(node[kind]);
  }
}

test('every corpus case parses to exactly its nodes, as on the server', () => {
  assert.ok(corpus.length > 0);
  for (const { text, nodes } of corpus) {
    assert.deepStrictEqual(parse(text), nodes, JSON.stringify(text));
  }
});

test('no construct lets user text become a non-http(s) link or another kind of node', () => {
  const payloads = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    'javascript:alert(1)',
    "' onmouseover='x",
    '&lt;script&gt;',
  ];
  const wraps = [
    (p) => p,
    (p) => `*${p}*`,
    (p) => `_${p}_`,
    (p) => `**${p}**`,
    (p) => `~~${p}~~`,
    (p) => `\`${p}\``,
    (p) => `\`\`\`\n${p}\n\`\`\``,
    (p) => `https://x.io/${p}`,
    (p) => `@alice${p}`,
    (p) => `@${p}`,
    (p) => `*_\`${p}\`_*`,
  ];
  const texts = corpus.map((c) => c.text);
  for (const p of payloads) texts.push(...wraps.map((wrap) => wrap(p)));
  for (const text of texts) {
    for (const node of all(parse(text))) {
      const keys = Object.keys(node);
      assert.equal(keys.length, 1, `${JSON.stringify(node)} from ${JSON.stringify(text)}`);
      assert.ok(KINDS.includes(keys[0]), `${keys[0]} from ${JSON.stringify(text)}`);
      const value = node[keys[0]];
      if (EMPHASES.includes(keys[0])) assert.ok(Array.isArray(value));
      else assert.equal(typeof value, 'string');
      if ('link' in node) {
        assert.match(value, /^https?:\/\//, `link ${value} from ${JSON.stringify(text)}`);
        assert.doesNotMatch(value, /[<>"`\p{White_Space}]/u, `link ${value}`);
      }
    }
  }
});

test('links stop at white space and quotes and leave trailing punctuation outside', () => {
  assert.deepStrictEqual(parse('go https://x.io/a?b=1&c=2\u00a0now'), [
    { text: 'go ' }, { link: 'https://x.io/a?b=1&c=2' }, { text: '\u00a0now' },
  ]);
  assert.deepStrictEqual(parse('(see https://x.io/a).'), [
    { text: '(see ' }, { link: 'https://x.io/a' }, { text: ').' },
  ]);
});

test('text is code points: astral characters and Unicode words and spaces as in Rust', () => {
  assert.deepStrictEqual(parse('`𝒳`'), [{ code: '𝒳' }], 'one astral character is enough');
  assert.deepStrictEqual(parse('𝒳*no*'), [{ text: '𝒳*no*' }], '𝒳 is alphabetic');
  assert.deepStrictEqual(parse('٣_no_'), [{ text: '٣_no_' }], 'Arabic-Indic digits are numeric');
  assert.deepStrictEqual(parse('*\u2003x*'), [{ text: '*\u2003x*' }], 'em space is white space');
  // Closing fence trimmed as Rust's str::trim: U+0085 is white space, U+FEFF is not.
  assert.deepStrictEqual(parse('```\na\n\u0085```\u0085\nb'), [{ code_block: 'a' }, { text: 'b' }]);
  assert.deepStrictEqual(parse('```\na\n\ufeff```'), [{ code_block: 'a\n\ufeff```' }]);
});

test('mentions are read outside code, once each, in lower case', () => {
  assert.deepStrictEqual(
    mentioned('@Alice hi @bob, `@carol` @ALICE\n```\n@dave\n```\n*@erin*'),
    ['alice', 'bob', 'erin'],
  );
  assert.deepStrictEqual(mentioned('mail bob@example.com'), []);
});

/** Just enough of `document` for renderText, recording what is created. */
function fakeDocument() {
  const created = [];
  const node = (fields) => ({
    ...fields,
    children: [],
    append(...children) { this.children.push(...children); },
  });
  return {
    created,
    createDocumentFragment: () => node({ fragment: true }),
    createElement(tag) {
      created.push(tag);
      return node({ tag, className: '' });
    },
    createTextNode: (data) => ({ data }),
  };
}

/** A compact picture of a rendered tree: text as strings, elements as `[tag, attrs, ...kids]`. */
function picture(n) {
  if ('data' in n) return n.data;
  const attrs = {};
  for (const key of ['className', 'href', 'rel', 'target']) if (n[key]) attrs[key] = n[key];
  return [n.tag, attrs, ...n.children.map(picture)];
}

test('rendering makes only the listed elements, user text as text nodes', () => {
  const doc = fakeDocument();
  globalThis.document = doc;
  try {
    const text = '@Alice @bob @carol @here `<i>` *_x_* ~~y~~ https://x.io\n```\n<b>\n```';
    const fragment = renderText(parse(text), { mentions: ['alice', 'bob'], everyone: 'here', me: 'Bob' });
    assert.deepStrictEqual(fragment.children.map(picture), [
      ['span', { className: 'mention' }, '@Alice'],
      ' ',
      ['span', { className: 'mention mention-me' }, '@bob'],
      ' ', '@carol', ' ',
      ['span', { className: 'mention mention-me' }, '@here'],
      ' ',
      ['code', {}, '<i>'],
      ' ',
      ['strong', {}, ['em', {}, 'x']],
      ' ',
      ['del', {}, 'y'],
      ' ',
      ['a', { href: 'https://x.io', rel: 'noopener noreferrer nofollow', target: '_blank' }, 'https://x.io'],
      ['pre', {}, ['code', {}, '<b>']],
    ]);
    assert.ok(doc.created.every((tag) => ['code', 'pre', 'strong', 'em', 'del', 'a', 'span'].includes(tag)));
    const plain = renderText(parse('@here @alice'), { mentions: [], everyone: null, me: 'alice' });
    assert.deepStrictEqual(plain.children.map(picture), ['@here', ' ', '@alice']);
  } finally {
    delete globalThis.document;
  }
});
