// "alice is typing…" under the messages: who the room's state says is typing now, redrawn
// when that changes and again when the next indicator expires.

/** The sentence for these people (none: empty). */
export function typingText(users) {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  if (users.length === 3) return `${users[0]}, ${users[1]} and ${users[2]} are typing…`;
  return 'Several people are typing…';
}

export class TypingLine {
  constructor(element, now = () => Date.now()) {
    this.element = element;
    this.now = now;
    this.timer = null;
  }

  render(room) {
    clearTimeout(this.timer);
    this.timer = null;
    const users = room ? room.typingNow(this.now()) : [];
    this.element.textContent = typingText(users);
    if (!users.length) return;
    const next = Math.min(...users.map((user) => room.typists.get(user)));
    this.timer = setTimeout(() => this.render(room), Math.max(50, next - this.now()));
  }
}
