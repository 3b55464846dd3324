/**
 * IP allowlists: CIDR ranges a key may be used from, IPv4 and IPv6.
 *
 * Rules, chosen so that one address has one spelling and cannot dodge a range:
 *
 * - IPv4 is accepted only as four decimal octets without leading zeros.
 *   `010.0.0.1` (octal to some parsers), `0x7f.1` and `127.1` are refused,
 *   since other software would read them as different addresses.
 * - IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, `::ffff:a00:1`) are the
 *   IPv4 address they carry: a client cannot slip past an IPv4 range by
 *   connecting over a dual-stack socket.
 * - A zone id on a client address (`fe80::1%eth0`) is stripped: it names the
 *   local interface, not a different host. Allowlist entries may not carry one.
 * - IPv4 clients match IPv4 ranges and ranges written inside the mapped block
 *   `::ffff:0:0/96` (e.g. `::ffff:10.0.0.0/104` = `10.0.0.0/8`). Broader IPv6
 *   ranges such as `::/0` do not admit IPv4 clients: people write `::/0` to
 *   mean "any IPv6", and `0.0.0.0/0` is the way to say "any IPv4".
 * - Other IPv6 embeddings (IPv4-compatible `::102:304`, NAT64 `64:ff9b::/96`,
 *   6to4) are left as IPv6 addresses. The spelling `::1.2.3.4` is refused:
 *   RFC 4291 reads it as IPv4-compatible, ipaddr.js as IPv4-mapped.
 *
 * @module
 */

import ipaddr from 'ipaddr.js';
import { ConfigError, type FieldIssue } from './errors.js';

/** Decides whether a client address is allowed; `undefined` or garbage is never allowed by a non-empty list. */
export type IpMatcher = (ip: string | undefined) => boolean;

/** Longest address or CIDR string looked at; anything longer is refused unparsed. */
export const MAX_IP_LENGTH = 64;

/** Most entries in one allowlist. */
export const MAX_ALLOWLIST_ENTRIES = 100;

const DOT = 46;
const ZERO = 48;
const NINE = 57;
const COLON = 58;
const F_LOWER = 102;

/**
 * A strict dotted-quad IPv4 address as an unsigned 32-bit integer, or -1.
 * Hand-written because it runs on every verification: no regex, no arrays.
 */
function parseV4(s: string, start = 0): number {
  const len = s.length;
  if (len - start < 7 || len - start > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = start; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || parts === 3) return -1;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else if (c >= ZERO && c <= NINE) {
      // A leading zero is only allowed as the whole octet.
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + (c - ZERO);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return value * 256 + octet;
}

/** The dotted form of an unsigned 32-bit IPv4 value. */
function formatV4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * Parses an IPv6 address (zone id already removed), refusing loose forms of
 * an embedded dotted IPv4 tail that ipaddr.js would accept.
 */
function parseV6(s: string): ipaddr.IPv6 | undefined {
  if (s.indexOf('.') !== -1) {
    const colon = s.lastIndexOf(':');
    // `::a.b.c.d` is IPv4-compatible (::102:304) by RFC 4291 but IPv4-mapped
    // to ipaddr.js; a spelling two parsers disagree on is refused.
    if (colon === 1 || parseV4(s.slice(colon + 1)) < 0) return undefined;
  }
  let addr: ipaddr.IPv6;
  try {
    // parse() validates as it goes; isValid() first would parse twice.
    addr = ipaddr.IPv6.parse(s);
  } catch {
    return undefined;
  }
  return addr.zoneId === undefined ? addr : undefined;
}

/**
 * The IPv4 value of `::ffff:a.b.c.d` (any letter case), or -1. Dual-stack
 * servers report every IPv4 client this way, so it skips the general parser.
 */
function fastMappedV4(s: string): number {
  if (s.length < 14 || s.charCodeAt(0) !== COLON || s.charCodeAt(1) !== COLON || s.charCodeAt(6) !== COLON) return -1;
  for (let i = 2; i < 6; i++) if ((s.charCodeAt(i) | 0x20) !== F_LOWER) return -1;
  return parseV4(s, 7);
}

/** The IPv4 value carried by an IPv4-mapped IPv6 address, or -1. */
function mappedV4(addr: ipaddr.IPv6): number {
  const p = addr.parts;
  if (p[0] !== 0 || p[1] !== 0 || p[2] !== 0 || p[3] !== 0 || p[4] !== 0 || p[5] !== 0xffff) return -1;
  return (p[6]! << 16 | p[7]!) >>> 0;
}

/** Strips a zone id (`%eth0`) if its syntax is sane; `undefined` for a malformed one. */
function stripZone(s: string): string | undefined {
  const pct = s.indexOf('%');
  if (pct === -1) return s;
  return /^%[0-9a-z_.-]+$/i.test(s.slice(pct)) ? s.slice(0, pct) : undefined;
}

/** A client address as either an IPv4 value (`v4 >= 0`) or an IPv6 address. */
interface ParsedIp {
  v4: number;
  v6?: ipaddr.IPv6;
}

/**
 * Recent IPv6 client strings and what they parsed to (`null`: not an address).
 * ipaddr.js takes microseconds per IPv6 address, too slow to repeat on every
 * request from the same client; the bound keeps address spraying harmless.
 * Entries are frozen-by-convention: nothing mutates a parsed address.
 */
const V6_MEMO_MAX = 4096;
const v6Memo = new Map<string, ParsedIp | null>();

function parseClient(input: unknown): ParsedIp | undefined {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_IP_LENGTH) return undefined;
  const v4 = parseV4(input);
  if (v4 >= 0) return { v4 };
  if (input.indexOf(':') === -1) return undefined;
  const fast = fastMappedV4(input);
  if (fast >= 0) return { v4: fast };
  let parsed = v6Memo.get(input);
  if (parsed === undefined) {
    const bare = stripZone(input);
    const v6 = bare === undefined ? undefined : parseV6(bare);
    const mapped = v6 ? mappedV4(v6) : -1;
    parsed = !v6 ? null : mapped >= 0 ? { v4: mapped } : { v4: -1, v6 };
    if (v6Memo.size >= V6_MEMO_MAX) v6Memo.delete(v6Memo.keys().next().value as string);
    v6Memo.set(input, parsed);
  }
  return parsed ?? undefined;
}

/**
 * The canonical form of a single address, or `undefined` when it is not one.
 *
 * IPv4 comes back as four decimal octets; IPv4-mapped IPv6 as the IPv4
 * address; other IPv6 in RFC 5952 form (lowercase, `::` compressed) without
 * its zone id. Refuses CIDR notation, loose IPv4 spellings (`010.0.0.1`,
 * `0x7f.1`, `127.1`), surrounding whitespace and anything over
 * {@link MAX_IP_LENGTH} characters. Never throws.
 */
export function normalizeIp(input: unknown): string | undefined {
  if (typeof input === 'string' && parseV4(input) >= 0) return input;
  const parsed = parseClient(input);
  if (!parsed) return undefined;
  return parsed.v6 ? parsed.v6.toRFC5952String() : formatV4(parsed.v4);
}

/** A parsed allowlist entry: an IPv4 range (also from a mapped IPv6 range) or an IPv6 one. */
type Range = { kind: 'v4'; base: number; mask: number } | { kind: 'v6'; range: [ipaddr.IPv6, number] };

const PREFIX_RE = /^(?:0|[1-9][0-9]{0,2})$/;

function v4Mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Parses one entry, or says in words what is wrong with it. */
function parseRange(entry: unknown): Range | string {
  if (typeof entry !== 'string') return 'Must be a CIDR string like "10.0.0.0/8" or an address';
  if (entry.length === 0) return 'Must not be empty';
  const shown = JSON.stringify(entry.length > MAX_IP_LENGTH ? `${entry.slice(0, MAX_IP_LENGTH)}…` : entry);
  if (entry.length > MAX_IP_LENGTH + 4) return `${shown} is too long to be a CIDR range`;
  if (entry.indexOf('%') !== -1) return `${shown}: zone ids (%…) are not allowed in an allowlist`;
  const slash = entry.indexOf('/');
  const addrPart = slash === -1 ? entry : entry.slice(0, slash);
  const prefixPart = slash === -1 ? undefined : entry.slice(slash + 1);

  const v4 = parseV4(addrPart);
  const v6 = v4 >= 0 || addrPart.indexOf(':') === -1 ? undefined : parseV6(addrPart);
  if (v4 < 0 && !v6) {
    return `${shown} is not an IP address or CIDR range; use four decimal octets (e.g. "10.0.0.0/8") or IPv6 (e.g. "2001:db8::/32")`;
  }
  const maxBits = v6 ? 128 : 32;
  let bits = maxBits;
  if (prefixPart !== undefined) {
    if (!PREFIX_RE.test(prefixPart) || Number(prefixPart) > maxBits) {
      return `${shown} has an invalid prefix length; expected a whole number from 0 to ${maxBits}`;
    }
    bits = Number(prefixPart);
  }

  if (v6) {
    const network = ipaddr.IPv6.networkAddressFromCIDR(`${v6.toString()}/${bits}`);
    if (network.toString() !== v6.toString()) {
      return `${shown} has host bits set; did you mean "${network.toRFC5952String()}/${bits}"?`;
    }
    const mapped = mappedV4(v6);
    // Only ranges inside ::ffff:0:0/96 speak about IPv4 clients (see module notes).
    if (mapped >= 0 && bits >= 96) return { kind: 'v4', base: mapped, mask: v4Mask(bits - 96) };
    return { kind: 'v6', range: [v6, bits] };
  }
  const mask = v4Mask(bits);
  if (((v4 & mask) >>> 0) !== v4) {
    return `${shown} has host bits set; did you mean "${formatV4((v4 & mask) >>> 0)}/${bits}"?`;
  }
  return { kind: 'v4', base: v4, mask };
}

/**
 * Problems with an allowlist from a request or config; empty when fine.
 *
 * Expects an array of at most {@link MAX_ALLOWLIST_ENTRIES} entries, each a
 * CIDR range (`10.0.0.0/8`, `2001:db8::/32`) or a bare address (meaning `/32`
 * or `/128`). Ranges must be written from their network address: `10.0.0.1/8`
 * is refused with a suggestion, since it usually hides a typo.
 */
export function validateCidrs(list: unknown, field = '/ipAllowlist'): FieldIssue[] {
  if (!Array.isArray(list)) return [{ field, message: 'Must be an array of CIDR strings' }];
  if (list.length > MAX_ALLOWLIST_ENTRIES) {
    return [{ field, message: `At most ${MAX_ALLOWLIST_ENTRIES} entries are allowed; got ${list.length}` }];
  }
  const issues: FieldIssue[] = [];
  list.forEach((entry: unknown, i) => {
    const r = parseRange(entry);
    if (typeof r === 'string') issues.push({ field: `${field}/${i}`, message: r });
  });
  return issues;
}

const allowAll: IpMatcher = () => true;

/**
 * A matcher for `cidrs`, parsed once. An empty list allows every caller
 * (even without a known address); otherwise the normalised client address
 * must fall in one of the ranges (see the module notes for IPv4-mapped
 * addresses). IPv4 checks are integer mask-and-compare.
 *
 * @throws ConfigError when an entry is invalid (check with {@link validateCidrs} first)
 */
export function createIpMatcher(cidrs: readonly string[]): IpMatcher {
  if (cidrs.length === 0) return allowAll;
  const issues = validateCidrs(cidrs, '/cidrs');
  if (issues.length > 0) throw new ConfigError('Invalid IP allowlist', issues);
  const v4: number[] = [];
  const v6: [ipaddr.IPv6, number][] = [];
  for (const entry of cidrs) {
    const r = parseRange(entry) as Range;
    if (r.kind === 'v4') v4.push(r.base, r.mask);
    else v6.push(r.range);
  }
  const v4Ranges = Uint32Array.from(v4);
  const v4Count = v4Ranges.length;
  const v6Count = v6.length;

  return (ip) => {
    if (typeof ip !== 'string') return false;
    let value = parseV4(ip);
    if (value < 0) value = fastMappedV4(ip);
    let addr: ipaddr.IPv6 | undefined;
    if (value < 0) {
      const parsed = parseClient(ip);
      if (!parsed) return false;
      value = parsed.v4;
      addr = parsed.v6;
    }
    if (value >= 0) {
      for (let i = 0; i < v4Count; i += 2) {
        if (((value & v4Ranges[i + 1]!) >>> 0) === v4Ranges[i]) return true;
      }
      return false;
    }
    for (let i = 0; i < v6Count; i++) {
      if (addr!.match(v6[i]!)) return true;
    }
    return false;
  };
}

const MEMO_MAX = 1000;
const memo = new Map<string, IpMatcher>();

/**
 * Second-level memo by array identity, so a cached key record's list skips
 * the join. The entries are copied and compared on every hit: an array
 * mutated in place must not keep its old matcher.
 */
const byList = new WeakMap<readonly string[], { entries: readonly string[]; matcher: IpMatcher }>();

function sameEntries(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * {@link createIpMatcher}, memoised by list contents, so the verification
 * path does not re-parse a key's allowlist per request. Holds at most 1000
 * matchers; the oldest is dropped first.
 *
 * @throws ConfigError when an entry is invalid
 */
export function ipMatcherFor(cidrs: readonly string[]): IpMatcher {
  if (cidrs.length === 0) return allowAll;
  const hit = byList.get(cidrs);
  if (hit !== undefined && sameEntries(hit.entries, cidrs)) return hit.matcher;
  // The count makes keys collision-free: valid entries never contain "\n",
  // so a list joining to the same text with the same count is the same list.
  const first = cidrs[0]!;
  const key =
    cidrs.length === 1 && typeof first === 'string' && first.indexOf('\n') === -1
      ? first
      : `${cidrs.length}\n${cidrs.join('\n')}`;
  let matcher = memo.get(key);
  if (matcher === undefined) {
    matcher = createIpMatcher(cidrs);
    if (memo.size >= MEMO_MAX) memo.delete(memo.keys().next().value as string);
    memo.set(key, matcher);
  }
  byList.set(cidrs, { entries: cidrs.slice(), matcher });
  return matcher;
}
