// What the person has actually seen: a message counts as read once it has been on screen
// (half of it, or half the list's height for a tall one) while the tab is visible. The
// highest such id is reported, at most once per `every` ms, and never backwards.

export class ReadReporter {
  /** `report(id)` tells the server; `scroller` is the element the messages scroll in. */
  constructor(scroller, { report, every = 1000, visible = () => document.visibilityState === 'visible' }) {
    this.report = report;
    this.every = every;
    this.visible = visible;
    this.onScreen = new Set(); // ids of the messages on screen now
    this.best = 0; // the highest id seen, reported or not
    this.sent = 0;
    this.timer = null;
    this.lastSent = 0;
    this.paused = false; // marked unread: nothing more is read until the room is shown again
    this.observer = new IntersectionObserver((entries) => this.observed(entries), {
      root: scroller,
      threshold: [0, 0.5, 1],
    });
    document.addEventListener('visibilitychange', () => this.consider());
    window.addEventListener('focus', () => this.consider());
  }

  /** A new room or a redraw: watch these message elements from now on. */
  watch(elements) {
    this.observer.disconnect();
    this.onScreen.clear();
    for (const element of elements) this.observer.observe(element);
  }

  /** Another room: what was seen there is not this room's. */
  reset() {
    this.paused = false;
    this.best = 0;
    this.sent = 0;
    clearTimeout(this.timer);
    this.timer = null;
  }

  observed(entries) {
    for (const entry of entries) {
      const id = Number(entry.target.dataset.id);
      const height = entry.rootBounds ? entry.rootBounds.height : Infinity;
      const seen = entry.isIntersecting
        && (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= height / 2);
      if (seen) this.onScreen.add(id);
      else this.onScreen.delete(id);
    }
    this.consider();
  }

  /** Reports the highest message on screen, if the tab is visible and it is new. */
  /** The person marked messages unread: what is on screen stays unread. */
  pause() {
    this.paused = true;
    clearTimeout(this.timer);
    this.timer = null;
  }

  consider() {
    if (this.paused || !this.visible() || !this.onScreen.size) return;
    this.best = Math.max(this.best, ...this.onScreen);
    if (this.best <= this.sent || this.timer) return;
    const wait = Math.max(0, this.lastSent + this.every - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.paused && this.best > this.sent && this.visible()) {
        this.sent = this.best;
        this.lastSent = Date.now();
        this.report(this.sent);
      }
    }, wait);
  }
}
