// The reaction picker: the common emoji of the server-rendered <template id="emoji-template">
// and a box for any other one. One picker for the page, opened beside the message it reacts to;
// Escape or a click elsewhere closes it and gives the focus back.

import { focusWithin } from './message-element.js';

export class EmojiPicker {
  constructor(template, { onPick }) {
    this.element = template.content.firstElementChild.cloneNode(true);
    this.element.hidden = true;
    this.input = this.element.querySelector('#emoji-input');
    this.onPick = onPick;
    this.target = null;
    this.opener = null;
    document.body.append(this.element);
    this.element.addEventListener('click', (event) => {
      const choice = event.target.closest('button[data-emoji]');
      if (choice) this.pick(choice.dataset.emoji);
    });
    this.element.querySelector('form').addEventListener('submit', (event) => {
      event.preventDefault();
      const emoji = this.input.value.trim();
      if (emoji) this.pick(emoji);
    });
    this.element.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
    document.addEventListener('pointerdown', (event) => {
      if (!this.element.hidden && !this.element.contains(event.target) && event.target !== this.opener) this.close(false);
    });
  }

  get isOpen() {
    return !this.element.hidden;
  }

  /** Opens for message `target` beside the button that asked. */
  open(target, opener) {
    this.target = target;
    this.opener = opener;
    this.input.value = '';
    this.element.hidden = false;
    const box = opener.getBoundingClientRect();
    const width = this.element.offsetWidth;
    const height = this.element.offsetHeight;
    const left = Math.max(8, Math.min(window.innerWidth - width - 8, box.right - width));
    const below = box.bottom + 4 + height < window.innerHeight;
    const top = below ? box.bottom + 4 : Math.max(8, box.top - height - 4);
    Object.assign(this.element.style, { left: `${left}px`, top: `${top}px` });
    this.element.querySelector('button[data-emoji]').focus();
  }

  close(refocus = true) {
    if (this.element.hidden) return;
    this.element.hidden = true;
    if (refocus) {
      // The list may have been redrawn meanwhile: the same button of the same message.
      const opener = this.opener && this.opener.isConnected ? this.opener
        : document.querySelector(`li.msg[data-id="${Number(this.target)}"] [data-action="react"]`);
      const message = opener && opener.closest('li.msg');
      if (message) focusWithin(message, opener);
    }
    this.target = null;
  }

  pick(emoji) {
    const target = this.target;
    this.close();
    if (target != null) this.onPick(target, emoji);
  }
}
