import { normalizeIp } from '@keygate/core';

/**
 * The network an address belongs to, as `<network>/<bits>`: `/24` for IPv4
 * and `/48` for IPv6 by default, the ranges a client usually keeps when its
 * address changes within one provider. `undefined` for anything that is not
 * an address. Never throws.
 */
export function ipRangeOf(ip: string | undefined, v4Bits = 24, v6Bits = 48): string | undefined {
  if (ip === undefined) return undefined;
  const canonical = normalizeIp(ip);
  if (canonical === undefined) return undefined;
  if (canonical.indexOf(':') === -1) {
    const parts = canonical.split('.').map(Number);
    const value = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
    const mask = v4Bits === 0 ? 0 : (0xffffffff << (32 - v4Bits)) >>> 0;
    const net = (value & mask) >>> 0;
    return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${v4Bits}`;
  }
  const hextets = expandV6(canonical);
  let bits = v6Bits;
  const out: string[] = [];
  for (const h of hextets) {
    const keep = Math.max(0, Math.min(16, bits));
    bits -= 16;
    const mask = keep === 0 ? 0 : (0xffff << (16 - keep)) & 0xffff;
    out.push((h & mask).toString(16));
  }
  return `${out.join(':')}/${v6Bits}`;
}

/** The eight hextets of a canonical (RFC 5952) IPv6 address. */
function expandV6(address: string): number[] {
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((h) => parseInt(h, 16) || 0);
}
