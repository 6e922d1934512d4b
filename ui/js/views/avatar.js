// Someone's picture beside their name, or their initials on a colour of their own: the same
// rule as the pages the server draws (src/people/avatar.rs), so a person looks alike on both.

const HUES = 12;

/** Which of the twelve colours someone's initials are on: from their id, so a rename keeps it. */
export function hueClass(userId) {
  const hue = Math.floor(((userId || 0) * 137508) / 1000) % 360;
  return `avatar-hue-${Math.floor(hue / (360 / HUES))}`;
}

/** Up to two letters: the first of each of the first two words of the name shown. */
export function initials(name) {
  const letters = name
    .split(/\s+/)
    .map((word) => word.match(/[\p{L}\p{N}]/u))
    .filter(Boolean)
    .slice(0, 2)
    .map((match) => match[0].toUpperCase())
    .join('');
  return letters || '?';
}

/**
 * The element: an image when they have one, initials otherwise. It is decoration (their name
 * is written beside it), so screen readers skip it.
 */
export function avatarElement({ userId, username, displayName, avatarUrl }) {
  if (avatarUrl) {
    const img = document.createElement('img');
    img.className = 'avatar';
    img.src = avatarUrl;
    img.alt = '';
    img.width = 24;
    img.height = 24;
    img.loading = 'lazy';
    return img;
  }
  const span = document.createElement('span');
  span.className = `avatar initials ${hueClass(userId)}`;
  span.setAttribute('aria-hidden', 'true');
  // Drawn by CSS from the attribute, so the letters are not part of the text around it.
  span.dataset.initials = initials(displayName || username);
  return span;
}
