// Work this tab keeps for the user doing it (sessionStorage), such as an order being written: it
// outlives a reload and their session ending on its own (an expired token), so that they find it
// when they log in again; their logging out, or another user logging in, forgets it.

const PREFIX = 'supergraph-shop.kept.';

/** The storage key of what is kept under `name` for the user `userId`. */
export function keptKey(userId: string, name: string): string {
  return `${PREFIX}${userId}.${name}`;
}

export function readKept<T>(key: string): T | null {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? 'null');
  } catch {
    return null; // unreadable: as if nothing was kept
  }
}

/** null: keep nothing under `key`. */
export function writeKept(key: string, value: unknown): void {
  if (value === null) sessionStorage.removeItem(key);
  else sessionStorage.setItem(key, JSON.stringify(value));
}

/** Forgets what is kept for every user but `userId` (for all users without it). */
export function forgetKept(userId?: string): void {
  const spared = userId === undefined ? null : keptKey(userId, '');
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith(PREFIX) && !(spared && key.startsWith(spared))) sessionStorage.removeItem(key);
  }
}
