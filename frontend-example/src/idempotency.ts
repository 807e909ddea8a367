import { useState } from 'react';
import { readKept, writeKept } from './kept';

/** A random UUID v4. Not crypto.randomUUID: that exists only in secure contexts (https, localhost). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

interface Attempt {
  write: string;
  key: string;
}

/**
 * The idempotency key of the write being attempted (a payment, an order), named by what it sends.
 * Retrying the same write after a failure reuses it, so an attempt whose answer was lost cannot
 * pay or order twice; a changed write, or the next one after a success, gets a new key.
 * `keptAs` (a kept.ts key) keeps the attempt with the draft it sends, past this component.
 */
export function useAttemptKey(keptAs?: string) {
  // A ref whose first value is read from storage once, not at every render.
  const [attempt] = useState(() => ({ current: keptAs ? readKept<Attempt>(keptAs) : null }));
  const remember = (next: Attempt | null) => {
    attempt.current = next;
    if (keptAs) writeKept(keptAs, next);
  };
  return {
    keyFor(write: string): string {
      if (attempt.current?.write !== write) remember({ write, key: newIdempotencyKey() });
      return attempt.current!.key;
    },
    succeeded(): void {
      remember(null);
    },
  };
}
