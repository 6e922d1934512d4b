// Message formatting without DOM: links, `code`, fenced code blocks, *bold* (and **bold** or
// __bold__), _italic_, ~~strike~~ and @mentions, by the rules of src/format/RULES.md. It yields the same tree of nodes as the
// server's src/format/mod.rs (checked against tests/format/corpus.json), so a message looks
// the same whether the server or the browser formatted it. Node text is the user's, never
// markup: views/rich-text.js makes it into text nodes.

/** The most characters a mention's name can have (the longest username). */
const NAME_MAX = 32;

// Rust's char::is_alphanumeric (Alphabetic or N*) and char::is_whitespace (White_Space).
const WORD = /[\p{Alphabetic}\p{N}_]/u;
const SPACE = /\p{White_Space}/u;
const NAME = /[A-Za-z0-9_.-]/;
const URL_STOP = /[<>"`]/;
const URL_TRAILING = /[.,:;!?']/;
const SCHEMES = ['https://', 'http://'];

const isWord = (c) => WORD.test(c);
const isSpace = (c) => SPACE.test(c);

/** Rust's str::trim: String.prototype.trim's set differs (U+FEFF in, U+0085 out). */
function trim(line) {
  const chars = Array.from(line);
  let start = 0;
  let end = chars.length;
  while (start < end && isSpace(chars[start])) start += 1;
  while (end > start && isSpace(chars[end - 1])) end -= 1;
  return chars.slice(start, end).join('');
}

/** The nodes of a message's text: `{text}`, `{code}`, `{code_block}`, `{bold}`, `{italic}`,
 * `{strike}`, `{link}`, `{mention}`. */
export function parse(text) {
  const nodes = [];
  let paragraph = [];
  const flush = () => {
    const joined = paragraph.join('\n');
    paragraph = [];
    // A single empty line is no paragraph; empty lines among others stay as `\n`.
    if (joined === '') return;
    const chars = Array.from(joined);
    nodes.push(...inline(chars, 0, chars.length, { bold: false, italic: false, strike: false }));
  };
  const lines = String(text).split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    if (lines[i].startsWith('```')) {
      flush();
      const code = [];
      for (i += 1; i < lines.length && trim(lines[i]) !== '```'; i += 1) code.push(lines[i]);
      nodes.push({ code_block: code.join('\n') });
    } else {
      paragraph.push(lines[i]);
    }
  }
  flush();
  return nodes;
}

/** The `@names` of a text, lower-cased, each once, in the order they first appear (code and
 * code blocks excluded): what the server stores as a message's mentions. */
export function mentioned(text) {
  const out = [];
  const walk = (nodes) => {
    for (const node of nodes) {
      if ('mention' in node) {
        const name = node.mention.toLowerCase(); // names are ASCII: as Rust's to_ascii_lowercase
        if (!out.includes(name)) out.push(name);
      } else {
        for (const kind of EMPHASES) if (kind in node) walk(node[kind]);
      }
    }
  };
  walk(parse(text));
  return out;
}

/** The nodes of `chars[start..end]`, inside the emphasis already `open` around it. */
function inline(chars, start, end, open) {
  const nodes = [];
  let text = '';
  let at = start;
  while (at < end) {
    const found = token(chars, at, start, end, open);
    if (found) {
      if (text) nodes.push({ text });
      text = '';
      nodes.push(found[0]);
      at = found[1];
    } else {
      text += chars[at];
      at += 1;
    }
  }
  if (text) nodes.push({ text });
  return nodes;
}

/** The character before `at`, looking only inside the text being parsed (from `start`). */
const before = (chars, at, start) => (at > start ? chars[at - 1] : undefined);

/** The kinds of emphasis, each a node holding more nodes. */
const EMPHASES = ['bold', 'italic', 'strike'];

/**
 * `[node, where the text after it starts]` for a token at `at`, or null. A doubled delimiter
 * (`**`, `__`, `~~`) is tried before a single one.
 */
function token(chars, at, start, end, open) {
  switch (chars[at]) {
    case '`': return code(chars, at, end);
    case 'h': return link(chars, at, start, end);
    case '@': return mention(chars, at, start, end);
    case '*':
      return emphasized(chars, at, start, end, open, '**', 'bold')
        || emphasized(chars, at, start, end, open, '*', 'bold');
    case '_':
      return emphasized(chars, at, start, end, open, '__', 'bold')
        || emphasized(chars, at, start, end, open, '_', 'italic');
    case '~': return emphasized(chars, at, start, end, open, '~~', 'strike');
    default: return null;
  }
}

/** `kind` of emphasis opened by `delimiter` at `at`, if it is not open already and closes. */
function emphasized(chars, at, start, end, open, delimiter, kind) {
  if (open[kind]) return null;
  const close = emphasis(chars, at, start, end, delimiter);
  if (close === null) return null;
  const inner = inline(chars, at + delimiter.length, close, { ...open, [kind]: true });
  return [{ [kind]: inner }, close + delimiter.length];
}

function code(chars, at, end) {
  for (let close = at + 2; close < end; close += 1) {
    if (chars[close] === '`') return [{ code: chars.slice(at + 1, close).join('') }, close + 1];
  }
  return null;
}

function link(chars, at, start, end) {
  const prev = before(chars, at, start);
  if (prev !== undefined && isWord(prev)) return null;
  const scheme = SCHEMES.find((s) => {
    const want = Array.from(s);
    return end - at >= want.length && want.every((c, i) => chars[at + i] === c);
  });
  if (!scheme) return null;
  let stop = at + scheme.length;
  while (stop < end && !URL_STOP.test(chars[stop]) && !isSpace(chars[stop])) stop += 1;
  let opens = 0;
  let closes = 0;
  for (let i = at; i < stop; i += 1) {
    if (chars[i] === '(') opens += 1;
    else if (chars[i] === ')') closes += 1;
  }
  // Trailing punctuation is the sentence's, and so is a `)` the link did not open.
  for (;;) {
    const last = chars[stop - 1];
    if (URL_TRAILING.test(last)) {
      stop -= 1;
    } else if (last === ')' && closes > opens) {
      stop -= 1;
      closes -= 1;
    } else {
      break;
    }
  }
  if (stop - at <= scheme.length) return null;
  return [{ link: chars.slice(at, stop).join('') }, stop];
}

function mention(chars, at, start, end) {
  const prev = before(chars, at, start);
  if (prev !== undefined && (isWord(prev) || prev === '.' || prev === '-' || prev === '@')) {
    return null;
  }
  let stop = at + 1;
  while (stop < end && stop - at - 1 < NAME_MAX && NAME.test(chars[stop])) stop += 1;
  while (stop > at + 1 && (chars[stop - 1] === '.' || chars[stop - 1] === '-')) stop -= 1;
  if (stop === at + 1) return null;
  return [{ mention: chars.slice(at + 1, stop).join('') }, stop];
}

/** Where the emphasis opened by `delimiter` at `at` closes, or null. */
function emphasis(chars, at, start, end, delimiter) {
  const len = delimiter.length;
  const prev = before(chars, at, start);
  if ((prev !== undefined && isWord(prev)) || !delimits(chars, at, end, delimiter)) return null;
  if (at + len >= end || isSpace(chars[at + len])) return null;
  for (let close = at + len + 1; close < end; close += 1) {
    if (chars[close] === '\n') return null;
    if (delimits(chars, close, end, delimiter) && !isSpace(chars[close - 1])
        && !(close + len < end && isWord(chars[close + len]))) {
      return close;
    }
  }
  return null;
}

/** Whether `delimiter` (ASCII) is written at `at`, whole before `end`. */
function delimits(chars, at, end, delimiter) {
  if (at + delimiter.length > end) return false;
  for (let i = 0; i < delimiter.length; i += 1) {
    if (chars[at + i] !== delimiter[i]) return false;
  }
  return true;
}
