// Autocompletion after `@` in a text box: a listbox of the room's members whose names start
// with what was typed (and `@here`, `@room`). Arrow keys move, Enter or Tab takes the choice,
// Escape closes; the box keeps the focus and names the active option for screen readers.

/** Options shown at most. */
const SHOWN = 8;
/** A username's characters, as the formatting rules read a mention. */
const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** The `@prefix` that ends at `caret` in `text`, as `{ start, prefix }`, or null. */
export function mentionAt(text, caret) {
  let start = caret;
  while (start > 0 && NAME_CHAR.test(text[start - 1]) && caret - start < 32) start -= 1;
  if (start === 0 || text[start - 1] !== '@') return null;
  const before = start >= 2 ? text[start - 2] : '';
  if (before && (NAME_CHAR.test(before) || before === '@')) return null; // an e-mail address
  return { start: start - 1, prefix: text.slice(start, caret) };
}

/** The names for `prefix`: members starting with it (not `me`), then `here` and `room`. */
export function candidates(names, prefix, me) {
  const lower = prefix.toLowerCase();
  const people = names
    .filter((name) => name.toLowerCase() !== me.toLowerCase() && name.toLowerCase().startsWith(lower))
    .sort((a, b) => a.localeCompare(b, undefined, { sensitivity: 'base' }));
  const everyone = ['here', 'room'].filter((name) => name.startsWith(lower));
  return [...people, ...everyone].slice(0, SHOWN);
}

export class MentionComplete {
  /**
   * `names()` returns the room's members now (a promise or a list); `describe(name)` their
   * display name, when known, shown beside each.
   */
  constructor(input, list, { me, names, describe = () => '' }) {
    this.input = input;
    this.list = list;
    this.me = me;
    this.names = names;
    this.describe = describe;
    this.options = [];
    this.active = 0;
    this.at = null;
    this.asked = 0;
    input.addEventListener('input', () => this.update());
    input.addEventListener('click', () => this.update());
    input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
    // Capture: these keys must not reach the composer's Enter-to-send.
    input.addEventListener('keydown', (event) => this.key(event), true);
    list.addEventListener('mousedown', (event) => event.preventDefault());
    list.addEventListener('click', (event) => {
      const option = event.target.closest('[role="option"]');
      if (option) this.choose(Number(option.dataset.index));
    });
  }

  get isOpen() {
    return !this.list.hidden;
  }

  async update() {
    const at = mentionAt(this.input.value, this.input.selectionStart);
    if (!at || this.input.selectionStart !== this.input.selectionEnd) {
      this.close();
      return;
    }
    const asked = ++this.asked;
    const names = await this.names();
    if (asked !== this.asked) return; // typed on meanwhile
    this.at = at;
    this.options = candidates(names, at.prefix, this.me);
    this.active = 0;
    if (!this.options.length) this.close();
    else this.show();
  }

  show() {
    this.list.replaceChildren(...this.options.map((name, index) => {
      const li = document.createElement('li');
      li.id = `mention-option-${index}`;
      li.setAttribute('role', 'option');
      li.dataset.index = index;
      li.setAttribute('aria-selected', index === this.active ? 'true' : 'false');
      li.textContent = `@${name}`;
      if (name === 'here') li.append(this.note(' everyone online here'));
      if (name === 'room') li.append(this.note(' every member'));
      else if (name !== 'here' && this.describe(name)) li.append(this.note(` ${this.describe(name)}`));
      return li;
    }));
    this.list.hidden = false;
    this.input.setAttribute('aria-activedescendant', `mention-option-${this.active}`);
  }

  note(text) {
    const span = document.createElement('span');
    span.className = 'muted';
    span.textContent = text;
    return span;
  }

  close() {
    this.asked += 1;
    this.list.hidden = true;
    this.options = [];
    this.input.removeAttribute('aria-activedescendant');
  }

  key(event) {
    if (!this.isOpen || event.isComposing) return;
    const n = this.options.length;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      this.active = (this.active + (event.key === 'ArrowDown' ? 1 : n - 1)) % n;
      this.show();
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      this.choose(this.active);
    } else if (event.key === 'Escape') {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  /** Puts `@name ` in place of what was typed after `@`. */
  choose(index) {
    const name = this.options[index];
    if (!name || !this.at) return;
    const value = this.input.value;
    const end = this.at.start + 1 + this.at.prefix.length;
    const inserted = `@${name} `;
    this.input.value = value.slice(0, this.at.start) + inserted + value.slice(end);
    const caret = this.at.start + inserted.length;
    this.input.setSelectionRange(caret, caret);
    this.close();
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
    this.input.focus();
  }
}
