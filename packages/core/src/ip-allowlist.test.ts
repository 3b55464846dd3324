import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from './errors.js';
import { createIpMatcher, ipMatcherFor, normalizeIp, validateCidrs } from './ip-allowlist.js';

describe('normalizeIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['10.0.0.1', '10.0.0.1'],
    ['::1', '::1'],
    ['::', '::'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['::FFFF:10.0.0.1', '10.0.0.1'],
    ['::ffff:a00:1', '10.0.0.1'],
    ['0:0:0:0:0:ffff:7f00:1', '127.0.0.1'],
    ['::ffff:0:0', '0.0.0.0'],
    ['fe80::1%eth0', 'fe80::1'],
    ['fe80::1%25', 'fe80::1'],
    ['::ffff:10.0.0.1%eth0', '10.0.0.1'],
    ['::102:304', '::102:304'], // IPv4-compatible, deprecated: stays IPv6
    ['0:0:0:0:0:0:1.2.3.4', '::102:304'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'], // NAT64: stays IPv6
  ])('%j -> %j', (input, out) => expect(normalizeIp(input)).toBe(out));

  it.each([
    '',
    ' ',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.4\n',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '1.2.3.-4',
    '010.0.0.1',
    '01.2.3.4',
    '1.2.3.04',
    '00.0.0.0',
    '0x7f.0.0.1',
    '0x7f.1',
    '127.1',
    '2130706433',
    '1.2.3.4/32',
    '10.0.0.0/8',
    '::1/128',
    '::ffff:010.0.0.1',
    '::ffff:0x7f.0.0.1',
    '::ffff:127.1',
    '::1.2.3.4', // ambiguous: compatible by RFC 4291, mapped by ipaddr.js
    'fe80::1%',
    'fe80::1%eth 0',
    'fe80::1%eth0%eth1',
    '1:2:3:4:5:6:7:8:9',
    ':::',
    'gggg::1',
    '１.２.３.４',
    'localhost',
    '1.2.3.4%eth0',
    `::${'0:'.repeat(30)}1`,
    `${'1'.repeat(65)}`,
  ])('rejects %j', (input) => expect(normalizeIp(input)).toBeUndefined());

  it('rejects non-strings', () => {
    for (const v of [undefined, null, 1, 0x7f000001, {}, ['1.2.3.4']]) expect(normalizeIp(v)).toBeUndefined();
  });

  it('rejects long input without parsing it', () => {
    expect(normalizeIp(`fe80::1%${'a'.repeat(100)}`)).toBeUndefined();
  });

  it('property: every IPv4 address round-trips, directly and mapped', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(normalizeIp(ip)).toBe(ip);
        expect(normalizeIp(`::ffff:${ip}`)).toBe(ip);
      }),
    );
  });

  it('property: never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const out = normalizeIp(s);
        if (out !== undefined) expect(normalizeIp(out)).toBe(out);
      }),
    );
  });
});

describe('validateCidrs', () => {
  it('accepts ranges and bare addresses', () => {
    expect(validateCidrs(['10.0.0.0/8', '1.2.3.4', '2001:db8::/32', '::1', '0.0.0.0/0', '::/0', '::ffff:10.0.0.0/104', '1.2.3.4/32'])).toEqual([]);
    expect(validateCidrs([])).toEqual([]);
  });

  it('rejects non-arrays and oversize lists', () => {
    expect(validateCidrs('10.0.0.0/8')).toEqual([{ field: '/ipAllowlist', message: 'Must be an array of CIDR strings' }]);
    expect(validateCidrs(Array.from({ length: 101 }, () => '1.2.3.4'), '/x')).toEqual([
      { field: '/x', message: 'At most 100 entries are allowed; got 101' },
    ]);
  });

  it.each([
    ['1.2.3.4/33', 'invalid prefix length; expected a whole number from 0 to 32'],
    ['1.2.3.4/-1', 'invalid prefix length'],
    ['1.2.3.4/+8', 'invalid prefix length'],
    ['1.2.3.4/08', 'invalid prefix length'],
    ['1.2.3.4/', 'invalid prefix length'],
    ['10.0.0.0/ 8', 'invalid prefix length'],
    ['::/129', 'from 0 to 128'],
    ['1.2.3.4/32/1', 'invalid prefix length'],
    [' 10.0.0.0/8', 'is not an IP address'],
    ['10.0.0.0/8 ', 'invalid prefix length'],
    ['010.0.0.0/8', 'is not an IP address'],
    ['127.1', 'is not an IP address'],
    ['0x7f.0.0.1', 'is not an IP address'],
    ['example.com', 'is not an IP address'],
    ['/8', 'is not an IP address'],
    ['', 'Must not be empty'],
    ['fe80::%eth0/64', 'zone ids'],
    ['10.0.0.1/8', 'host bits set; did you mean "10.0.0.0/8"?'],
    ['2001:db8::1/32', 'did you mean "2001:db8::/32"?'],
    ['::ffff:10.0.0.1/104', 'host bits set'],
  ])('rejects %j', (entry, message) => {
    const issues = validateCidrs(['10.0.0.0/8', entry]);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe('/ipAllowlist/1');
    expect(issues[0]?.message).toContain(message);
  });

  it('rejects non-string entries and bounds long ones in messages', () => {
    expect(validateCidrs([42])[0]?.message).toContain('Must be a CIDR string');
    const msg = validateCidrs(['x'.repeat(5000)])[0]!.message;
    expect(msg.length).toBeLessThan(200);
  });
});

describe('createIpMatcher', () => {
  it('allows everything for an empty list, even an unknown address', () => {
    const m = createIpMatcher([]);
    expect(m('1.2.3.4')).toBe(true);
    expect(m(undefined)).toBe(true);
  });

  it('matches IPv4 ranges at their edges', () => {
    const m = createIpMatcher(['192.168.1.0/24']);
    expect(m('192.168.1.0')).toBe(true);
    expect(m('192.168.1.255')).toBe(true);
    expect(m('192.168.0.255')).toBe(false);
    expect(m('192.168.2.0')).toBe(false);
  });

  it('matches odd prefix lengths at their edges', () => {
    const m = createIpMatcher(['10.0.0.64/27']);
    expect(m('10.0.0.63')).toBe(false);
    expect(m('10.0.0.64')).toBe(true);
    expect(m('10.0.0.95')).toBe(true);
    expect(m('10.0.0.96')).toBe(false);
  });

  it('treats a bare address as /32 and /128', () => {
    const m = createIpMatcher(['1.2.3.4', '2001:db8::1']);
    expect(m('1.2.3.4')).toBe(true);
    expect(m('1.2.3.5')).toBe(false);
    expect(m('2001:db8::1')).toBe(true);
    expect(m('2001:db8::2')).toBe(false);
  });

  it('matches the top of the IPv4 space (no signed-integer slip)', () => {
    const m = createIpMatcher(['255.255.255.0/24', '128.0.0.0/1']);
    expect(m('255.255.255.255')).toBe(true);
    expect(m('128.0.0.0')).toBe(true);
    expect(m('127.255.255.255')).toBe(false);
  });

  it('matches IPv6 ranges at their edges', () => {
    const m = createIpMatcher(['2001:db8::/32']);
    expect(m('2001:db8::')).toBe(true);
    expect(m('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(m('2001:db7:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false);
    expect(m('2001:db9::')).toBe(false);
    expect(m('2001:DB8::abcd')).toBe(true);
  });

  it('admits an IPv4-mapped client by its IPv4 range', () => {
    expect(createIpMatcher(['10.0.0.0/8'])('::ffff:10.0.0.1')).toBe(true);
    expect(createIpMatcher(['10.0.0.0/8'])('::ffff:a00:1')).toBe(true);
  });

  it('does not let an IPv4-mapped client slip past an IPv4 range', () => {
    const m = createIpMatcher(['192.168.0.0/16']);
    expect(m('::ffff:10.0.0.1')).toBe(false);
    expect(m('::ffff:a00:1')).toBe(false);
    expect(m('0:0:0:0:0:ffff:0a00:0001')).toBe(false);
  });

  it('does not admit a mapped IPv4 client through an IPv6-only list', () => {
    const m = createIpMatcher(['2001:db8::/32', '::1']);
    expect(m('::ffff:127.0.0.1')).toBe(false);
    expect(m('127.0.0.1')).toBe(false);
  });

  it('matches mapped IPv6 ranges against IPv4 clients in either spelling', () => {
    const m = createIpMatcher(['::ffff:10.0.0.0/104']);
    expect(m('10.1.2.3')).toBe(true);
    expect(m('::ffff:10.1.2.3')).toBe(true);
    expect(m('11.0.0.0')).toBe(false);
    const all = createIpMatcher(['::ffff:0:0/96']);
    expect(all('8.8.8.8')).toBe(true);
    expect(all('2001:db8::1')).toBe(false);
  });

  it('0.0.0.0/0 allows all IPv4 but no IPv6', () => {
    const m = createIpMatcher(['0.0.0.0/0']);
    expect(m('0.0.0.0')).toBe(true);
    expect(m('255.255.255.255')).toBe(true);
    expect(m('::ffff:1.2.3.4')).toBe(true);
    expect(m('::1')).toBe(false);
    expect(m('2001:db8::1')).toBe(false);
  });

  it('::/0 allows all IPv6 but not IPv4 or IPv4-mapped clients', () => {
    const m = createIpMatcher(['::/0']);
    expect(m('::')).toBe(true);
    expect(m('2001:db8::1')).toBe(true);
    expect(m('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(m('1.2.3.4')).toBe(false);
    expect(m('::ffff:1.2.3.4')).toBe(false);
  });

  it('strips a zone id from the client address', () => {
    expect(createIpMatcher(['fe80::/10'])('fe80::1%eth0')).toBe(true);
  });

  it('denies garbage, loose spellings and missing addresses with a non-empty list', () => {
    const m = createIpMatcher(['0.0.0.0/0', '::/0']);
    for (const bad of [undefined, '', ' ', '1.2.3.4 ', '127.1', '010.0.0.1', '0x7f.0.0.1', '2130706433', '10.0.0.0/8', 'not-an-ip', '::ffff:127.1', null, 42]) {
      expect(m(bad as string)).toBe(false);
    }
  });

  it('denies octal-looking addresses that would otherwise dodge a range', () => {
    // 010.0.0.1 is 8.0.0.1 to octal parsers and 10.0.0.1 to decimal ones.
    const m = createIpMatcher(['10.0.0.0/8', '8.0.0.0/8']);
    expect(m('010.0.0.1')).toBe(false);
    expect(m('::ffff:010.0.0.1')).toBe(false);
  });

  it('throws ConfigError for an invalid list', () => {
    expect(() => createIpMatcher(['10.0.0.0/33'])).toThrow(ConfigError);
    try {
      createIpMatcher(['ok', '10.0.0.0/8']);
    } catch (e) {
      expect((e as ConfigError).issues[0]?.field).toBe('/cidrs/0');
    }
  });

  it('property: an address always matches its own /32 and /0, and a mapped spelling matches too', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, bits) => {
        expect(createIpMatcher([ip])(ip)).toBe(true);
        expect(createIpMatcher([ip])(`::ffff:${ip}`)).toBe(true);
        const v = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        const net = (v & mask) >>> 0;
        const cidr = `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${bits}`;
        expect(createIpMatcher([cidr])(ip)).toBe(true);
      }),
    );
  });

  it('property: IPv6 addresses match their own /128', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const n = normalizeIp(ip);
        fc.pre(n !== undefined && n.includes(':'));
        expect(createIpMatcher([n!])(ip)).toBe(true);
      }),
    );
  });
});

describe('ipMatcherFor', () => {
  it('returns the same matcher for the same list contents', () => {
    const a = ipMatcherFor(['10.0.0.0/8', '2001:db8::/32']);
    const b = ipMatcherFor(['10.0.0.0/8', '2001:db8::/32'].slice());
    expect(a).toBe(b);
    expect(a('10.1.1.1')).toBe(true);
    expect(ipMatcherFor(['10.0.0.0/8'])).toBe(ipMatcherFor(['10.0.0.0/8']));
    expect(ipMatcherFor(['10.0.0.0/8'])).not.toBe(a);
  });

  it('notices a list mutated in place', () => {
    const list = ['10.0.0.0/8'];
    expect(ipMatcherFor(list)('10.1.1.1')).toBe(true);
    expect(ipMatcherFor(list)('10.1.1.1')).toBe(true);
    list[0] = '192.168.0.0/16';
    expect(ipMatcherFor(list)('10.1.1.1')).toBe(false);
    expect(ipMatcherFor(list)('192.168.1.1')).toBe(true);
    list.push('10.0.0.0/8');
    expect(ipMatcherFor(list)('10.1.1.1')).toBe(true);
    list[1] = 'garbage';
    expect(() => ipMatcherFor(list)).toThrow(ConfigError);
  });

  it('allows all for an empty list', () => {
    expect(ipMatcherFor([])(undefined)).toBe(true);
  });

  it('does not confuse lists whose joined text collides', () => {
    ipMatcherFor(['1.2.3.4', '5.6.7.8']);
    expect(() => ipMatcherFor(['1.2.3.4\n5.6.7.8'])).toThrow(ConfigError);
    expect(() => ipMatcherFor(['2\n1.2.3.4\n5.6.7.8'])).toThrow(ConfigError);
  });

  it('throws for invalid lists and caches nothing for them', () => {
    expect(() => ipMatcherFor(['nope'])).toThrow(ConfigError);
    expect(() => ipMatcherFor(['nope'])).toThrow(ConfigError);
  });

  it('stays correct beyond its bound', () => {
    const first = ipMatcherFor(['1.0.0.0/8']);
    for (let i = 0; i < 1500; i++) ipMatcherFor([`10.${i >> 8}.${i & 255}.0/24`]);
    const again = ipMatcherFor(['1.0.0.0/8']);
    expect(again('1.2.3.4')).toBe(true);
    expect(again).not.toBe(first); // evicted and rebuilt
    expect(ipMatcherFor(['10.5.220.0/24'])('10.5.220.9')).toBe(true);
  });
});
