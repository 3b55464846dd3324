import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastTime = -1;
let lastRandom: number[] = [];

/**
 * A ULID: 48-bit time then 80 random bits, Crockford base32. Sorting ids as
 * strings sorts events by time, which keeps audit pagination stable. Within
 * one millisecond the random part is incremented (ULID's monotonic mode), so
 * events of one process keep their order even under a frozen clock.
 */
export function ulid(now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  if (now === lastTime) {
    for (let i = 15; i >= 0; i--) {
      lastRandom[i] = (lastRandom[i]! + 1) & 31;
      if (lastRandom[i] !== 0) break;
    }
  } else {
    lastTime = now;
    // The top bit stays clear so increments within a millisecond cannot overflow in practice.
    lastRandom = [...randomBytes(16)].map((b, i) => (i === 0 ? b & 15 : b & 31));
  }
  let rand = '';
  for (const digit of lastRandom) rand += CROCKFORD[digit];
  return time + rand;
}
