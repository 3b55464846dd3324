import { describe, expect, it } from 'vitest';
import { ipRangeOf } from './ip-range.js';

describe('ipRangeOf', () => {
  it('maps IPv4 to its /24 and IPv6 to its /48 by default', () => {
    expect(ipRangeOf('203.0.113.77')).toBe('203.0.113.0/24');
    expect(ipRangeOf('2001:db8:1:ffff::2')).toBe('2001:db8:1:0:0:0:0:0/48');
    expect(ipRangeOf('2001:db8:1::1')).toBe(ipRangeOf('2001:db8:1:abcd:1:2:3:4'));
    expect(ipRangeOf('2001:db8:2::1')).not.toBe(ipRangeOf('2001:db8:1::1'));
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(ipRangeOf('::ffff:203.0.113.9')).toBe('203.0.113.0/24');
  });

  it('honours other prefix lengths', () => {
    expect(ipRangeOf('10.1.2.3', 16)).toBe('10.1.0.0/16');
    expect(ipRangeOf('10.1.2.3', 32)).toBe('10.1.2.3/32');
    expect(ipRangeOf('2001:db8:abcd:1234::1', 24, 56)).toBe('2001:db8:abcd:1200:0:0:0:0/56');
  });

  it('returns undefined for anything that is not an address, never throws', () => {
    for (const bad of [undefined, '', 'localhost', '010.0.0.1', '1.2.3.4/24', '::1.2.3.4', 'x'.repeat(500)]) {
      expect(ipRangeOf(bad)).toBeUndefined();
    }
  });
});
