// The message box: Enter sends, Shift+Enter starts a new line, it grows with its text, and it
// keeps the focus for the next message.

export class Composer {
  constructor(form, { maxLength, onSend, onTooLong }) {
    this.form = form;
    this.input = form.querySelector('#message-input');
    this.maxLength = maxLength;
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit(onSend, onTooLong);
      }
    });
    this.input.addEventListener('input', () => this.autosize());
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
    onSend(text);
    this.input.value = '';
    this.autosize();
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
