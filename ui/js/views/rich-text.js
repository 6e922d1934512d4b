// A message's formatted text (nodes from lib/markup.js) as DOM, the same elements the server
// writes for pages without JavaScript (src/format/html.rs). Only createElement for the few
// tags of src/format/RULES.md and createTextNode for every user text: no HTML from users.

/**
 * The nodes as a DocumentFragment. `mentions`: the lower-cased names the message mentions
 * (recognised by the server when stored); `everyone`: `here` or `room` if it calls everyone;
 * `me`: the reader's name. Only recognised mentions are highlighted, the reader's own the most.
 */
export function renderText(nodes, { mentions = [], everyone = null, me = '' } = {}) {
  const fragment = document.createDocumentFragment();
  append(fragment, nodes, { mentions, everyone, me: String(me).toLowerCase() });
  return fragment;
}

/** Each kind of emphasis node and the element it is shown as. */
const EMPHASIS_TAGS = [['bold', 'strong'], ['italic', 'em'], ['strike', 'del']];

function element(tag, children) {
  const el = document.createElement(tag);
  el.append(...children);
  return el;
}

function append(parent, nodes, context) {
  for (const node of nodes) parent.append(render(node, context));
}

function render(node, context) {
  const text = (s) => document.createTextNode(s);
  if ('text' in node) return text(node.text);
  if ('code' in node) return element('code', [text(node.code)]);
  if ('code_block' in node) return element('pre', [element('code', [text(node.code_block)])]);
  for (const [kind, tag] of EMPHASIS_TAGS) {
    if (kind in node) {
      const el = document.createElement(tag);
      append(el, node[kind], context);
      return el;
    }
  }
  if ('link' in node) {
    // The parser only makes links of http:// and https:// URLs without white space or quotes.
    const a = element('a', [text(node.link)]);
    a.href = node.link;
    a.rel = 'noopener noreferrer nofollow';
    a.target = '_blank';
    return a;
  }
  if ('mention' in node) return mention(node.mention, context);
  return text('');
}

/** `@Name`, highlighted when the server recognised it; unrecognised names are just text. */
function mention(name, { mentions, everyone, me }) {
  const lower = name.toLowerCase();
  const broadcast = everyone != null && lower === everyone;
  if (!broadcast && !mentions.includes(lower)) return document.createTextNode(`@${name}`);
  const span = element('span', [document.createTextNode(`@${name}`)]);
  span.className = broadcast || lower === me ? 'mention mention-me' : 'mention';
  return span;
}
