import './avatar-upload.js';
import './copy-button.js';

// Forms show that they are working: the submit button is disabled and says what is happening
// until the next page arrives. Loaded on every page; no inline script anywhere (CSP).

function busy(form, submitter) {
  var button = submitter || form.querySelector('button[type="submit"], button:not([type])');
  if (!button || button.disabled) return;
  button.dataset.idleLabel = button.textContent;
  if (button.dataset.busyLabel) button.textContent = button.dataset.busyLabel;
  button.setAttribute('aria-busy', 'true');
  // Disable after the submit has been dispatched, so the button's value is still sent.
  setTimeout(function () { button.disabled = true; }, 0);
  form.setAttribute('aria-busy', 'true');
}

document.addEventListener('submit', function (event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id === 'composer') return;
  if (event.defaultPrevented) return;
  busy(form, event.submitter);
});

// Coming back with the Back button restores the page from cache: make buttons usable again.
window.addEventListener('pageshow', function () {
  document.querySelectorAll('button[aria-busy="true"]').forEach(function (button) {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (button.dataset.idleLabel) button.textContent = button.dataset.idleLabel;
  });
  document.querySelectorAll('form[aria-busy="true"]').forEach(function (form) {
    form.removeAttribute('aria-busy');
  });
});
