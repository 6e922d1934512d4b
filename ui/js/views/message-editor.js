// Editing a message in place: a box with its text, Enter (or Save) saves, Escape (or Cancel)
// gives up. The list re-renders often (every new message), so the draft lives here and the
// same form is put back, focus included, whatever is redrawn around it.

export class MessageEditor {
  constructor({ onSave, onClose }) {
    this.onSave = onSave;
    this.onClose = onClose;
    this.id = null;
    this.element = null;
  }

  editing(id) {
    return this.id === id;
  }

  hasFocus() {
    return Boolean(this.element && this.element.contains(document.activeElement));
  }

  focus() {
    const input = this.element && this.element.querySelector('textarea');
    if (input) input.focus();
  }

  start(message) {
    this.id = message.id;
    this.element = this.build(message.text);
  }

  /** Forgets the edit without a redraw (another room is shown). */
  stop() {
    this.id = null;
    this.element = null;
  }

  close() {
    this.stop();
    this.onClose();
  }

  /** The form of the message being edited. */
  form() {
    return this.element;
  }

  build(text) {
    const form = document.createElement('form');
    form.className = 'msg-edit';
    form.setAttribute('aria-label', 'Edit message');
    const label = document.createElement('label');
    label.className = 'visually-hidden';
    label.textContent = 'Edit message';
    const input = document.createElement('textarea');
    input.value = text;
    input.rows = Math.min(8, text.split('\n').length);
    label.htmlFor = input.id = 'edit-input';
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'button primary small';
    save.textContent = 'Save';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'button secondary small';
    cancel.textContent = 'Cancel';
    const hint = document.createElement('span');
    hint.className = 'muted small';
    hint.textContent = 'Enter saves, Escape cancels';
    form.append(label, input, save, cancel, hint);
    const submit = () => {
      const id = this.id;
      const value = input.value;
      if (!value.trim()) return;
      this.close();
      if (value !== text) this.onSave(id, value);
    };
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      submit();
    });
    cancel.addEventListener('click', () => this.close());
    return form;
  }
}
