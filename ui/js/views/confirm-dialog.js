// A question in a modal <dialog> of the page (not the browser's confirm()): its text, the
// action's button and Cancel. Escape and Cancel say no; focus comes back where it was.

/** Resolves true if the person chose `action`. */
export function confirmAction(question, action) {
  const dialog = document.createElement('dialog');
  dialog.className = 'confirm-dialog';
  const text = document.createElement('p');
  text.textContent = question;
  const yes = document.createElement('button');
  yes.type = 'button';
  yes.className = 'button danger';
  yes.textContent = action;
  const no = document.createElement('button');
  no.type = 'button';
  no.className = 'button secondary';
  no.textContent = 'Cancel';
  const row = document.createElement('div');
  row.className = 'row';
  row.append(no, yes);
  dialog.append(text, row);
  dialog.setAttribute('aria-label', question);
  const back = document.activeElement;
  document.body.append(dialog);
  return new Promise((resolve) => {
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (back && back.isConnected) back.focus();
      resolve(answer);
    };
    yes.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    dialog.showModal();
    no.focus();
  });
}
