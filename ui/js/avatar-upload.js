// The settings page's picture form: sends the chosen file as it is to PUT /api/v1/me/avatar
// (the server decodes, crops and re-encodes it) and shows the server's reason when a file
// will not do. Loaded on every page by forms.js; does nothing where there is no such form.

const MAX_BYTES = 5 * 1024 * 1024;
const TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

function setBusy(button, busy) {
  if (busy) {
    button.dataset.idleLabel = button.textContent;
    button.textContent = button.dataset.busyLabel || button.textContent;
  } else if (button.dataset.idleLabel) {
    button.textContent = button.dataset.idleLabel;
  }
  button.disabled = busy;
  button.toggleAttribute('aria-busy', busy);
}

async function upload(form, error) {
  const file = form.querySelector('input[type="file"]').files[0];
  const say = (text) => {
    error.textContent = text;
    error.hidden = false;
  };
  if (!file) return say('Choose a picture first.');
  if (file.size > MAX_BYTES) return say('The image is larger than 5 MiB; save it smaller and try again.');
  const button = form.querySelector('button[type="submit"]');
  setBusy(button, true);
  error.hidden = true;
  try {
    const response = await fetch('/api/v1/me/avatar', {
      method: 'PUT',
      // The server reads the type from the bytes; the header only has to name an image type.
      headers: { 'Content-Type': TYPES.includes(file.type) ? file.type : 'image/png' },
      body: file,
    });
    if (response.ok) {
      location.assign('/settings?done=avatar');
      return;
    }
    const body = await response.json().catch(() => null);
    say((body && body.message) || `The picture was not saved (${response.status}).`);
  } catch {
    say('The picture could not be sent; check the connection and try again.');
  }
  setBusy(button, false);
}

const form = document.getElementById('avatar-form');
const error = document.getElementById('avatar-error');
if (form && error) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    upload(form, error);
  });
}
