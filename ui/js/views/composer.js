// The message box: Enter sends, Shift+Enter starts a new line, it grows with its text, and it
// keeps the focus for the next message. Up in an empty box edits the person's last message;
// typing is reported (the session throttles it); a reply shows what it answers above the box.

export class Composer {
  constructor(form, { maxLength, onSend, onTooLong, onEditLast, onTyping }) {
    this.form = form;
    this.input = form.querySelector('#message-input');
    this.replyBar = form.querySelector('#reply-bar');
    this.replyLabel = form.querySelector('#reply-to');
    this.maxLength = maxLength;
    this.replyTo = null;
    this.input.addEventListener('keydown', (event) => {
      if (event.isComposing) return;
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        this.submit(onSend, onTooLong);
      } else if (event.key === 'ArrowUp' && !this.input.value && onEditLast()) {
        event.preventDefault();
      } else if (event.key === 'Escape' && this.replyTo) {
        this.reply(null);
      }
    });
    this.input.addEventListener('input', () => {
      this.autosize();
      if (this.input.value.trim()) onTyping();
    });
    form.querySelector('#reply-cancel').addEventListener('click', () => {
      this.reply(null);
      this.input.focus();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit(onSend, onTooLong);
      this.input.focus();
    });
  }

  submit(onSend, onTooLong) {
    const text = this.input.value;
    if (!text.trim()) return;
    if (Array.from(text).length > this.maxLength) {
      onTooLong(this.maxLength);
      return;
    }
    onSend(text, this.replyTo && this.replyTo.id);
    this.input.value = '';
    this.reply(null);
    this.autosize();
  }

  /** The next message answers `message` (null: it answers nothing). */
  reply(message) {
    this.replyTo = message;
    this.replyBar.hidden = !message;
    this.replyLabel.textContent = message
      ? `Replying to ${message.user}: ${Array.from(message.text).slice(0, 80).join('')}`
      : '';
    if (message) this.input.focus();
  }

  /** A new room: its name in the placeholder, and an empty box. */
  showRoom(title, enabled) {
    this.input.placeholder = `Message ${title}`;
    this.input.disabled = !enabled;
    this.form.querySelector('button[type="submit"]').disabled = !enabled;
  }

  autosize() {
    // scrollHeight leaves out the borders, which the border-box height includes.
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight + this.input.offsetHeight - this.input.clientHeight}px`;
  }
}
