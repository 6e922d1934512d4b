// The message box: Enter sends, Shift+Enter starts a new line, it grows with its text, and it
// keeps the focus for the next message. Up in an empty box edits the person's last message;
// typing is reported (the session throttles it); a reply shows what it answers above the box.
// Files attached (views/attachments.js) go with the message once uploaded: Send waits for them
// (those still waiting for their turn to upload too), and a message of files alone needs no text.

export class Composer {
  /**
   * `attachments`: the files for the next message (`busy()`, `ready()`, `clear()`);
   * `onBusy()`: the person tried to send while a file was still waiting or uploading.
   */
  constructor(form, { maxLength, onSend, onTooLong, onEditLast, onTyping, attachments = null, onBusy = () => {} }) {
    this.form = form;
    this.input = form.querySelector('#message-input');
    this.sendButton = form.querySelector('#send-button');
    this.replyBar = form.querySelector('#reply-bar');
    this.replyLabel = form.querySelector('#reply-to');
    this.maxLength = maxLength;
    this.replyTo = null;
    this.attachments = attachments;
    this.onBusy = onBusy;
    this.enabled = true;
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
    const attachments = this.attachments;
    const files = attachments ? attachments.ready() : [];
    if (attachments && attachments.busy()) {
      this.onBusy();
      return;
    }
    if (!text.trim() && !files.length) return;
    if (Array.from(text).length > this.maxLength) {
      onTooLong(this.maxLength);
      return;
    }
    // With files, a box of white space is no text (the server takes "" then, not "  ").
    onSend(text.trim() ? text : '', this.replyTo && this.replyTo.id, files);
    if (attachments) attachments.clear();
    this.input.value = '';
    this.reply(null);
    this.autosize();
  }

  /** Send is held while a file is still waiting or uploading (Enter then says why). */
  refresh() {
    const busy = Boolean(this.attachments && this.attachments.busy());
    this.sendButton.disabled = !this.enabled || busy;
    if (busy) this.sendButton.title = 'Waiting for the files to upload';
    else this.sendButton.removeAttribute('title');
  }

  /** The next message answers `message` (null: it answers nothing). */
  reply(message) {
    this.replyTo = message;
    this.replyBar.hidden = !message;
    this.replyLabel.textContent = message
      ? `Replying to ${message.user}: ${Array.from(message.text).slice(0, 80).join('') || 'Attachment'}`
      : '';
    if (message) this.input.focus();
  }

  /** A new room: its name in the placeholder, and an empty box. */
  showRoom(title, enabled) {
    this.input.placeholder = `Message ${title}`;
    this.input.disabled = !enabled;
    this.enabled = enabled;
    this.refresh();
  }

  autosize() {
    // scrollHeight leaves out the borders, which the border-box height includes.
    this.input.style.height = 'auto';
    this.input.style.height = `${this.input.scrollHeight + this.input.offsetHeight - this.input.clientHeight}px`;
  }
}
