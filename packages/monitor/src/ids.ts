import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID-shaped id (10 time characters, 16 random, Crockford base32) for the
 * audit events and deliveries the monitor creates itself. Sorting the ids
 * sorts them by time, as core's audit pagination expects of event ids.
 */
export function eventId(now: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(now));
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  let rand = '';
  for (const byte of randomBytes(16)) rand += CROCKFORD[byte & 31];
  return time + rand;
}
