// "Copy" buttons: a button with data-copy="ID" copies the text of the element with that id,
// one line per list item, and says "Copied" for a moment. Where the clipboard is refused, the
// text is selected instead, so Ctrl+C still works.

function textOf(element) {
  var items = element.querySelectorAll('li');
  if (items.length === 0) return element.textContent.trim();
  return Array.prototype.map.call(items, function (li) { return li.textContent.trim(); }).join('\n');
}

function select(element) {
  var range = document.createRange();
  range.selectNodeContents(element);
  var selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

function announce(button, label) {
  if (!button.dataset.idleLabel) button.dataset.idleLabel = button.textContent;
  button.textContent = label;
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(function () { button.textContent = button.dataset.idleLabel; }, 2000);
}

document.addEventListener('click', function (event) {
  var button = event.target instanceof Element && event.target.closest('button[data-copy]');
  if (!button) return;
  var source = document.getElementById(button.dataset.copy);
  if (!source) return;
  var copied = navigator.clipboard ? navigator.clipboard.writeText(textOf(source)) : Promise.reject();
  copied.then(function () {
    announce(button, button.dataset.copiedLabel || 'Copied');
  }, function () {
    select(source);
    announce(button, 'Selected: press Ctrl+C');
  });
});
