// How long to wait before reconnecting: 0.5 s doubling to 10 s, with jitter (between half and
// all of it), so a restarted server is not met by every page at the same instant.

export const FIRST_MS = 500;
export const MAX_MS = 10_000;

/** The delay before reconnect attempt number `attempt` (0 for the first). */
export function delay(attempt, random = Math.random) {
  const full = Math.min(MAX_MS, FIRST_MS * 2 ** attempt);
  return full / 2 + random() * (full / 2);
}
