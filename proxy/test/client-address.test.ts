// The rate limit's client address: the TCP peer, or with trustProxy what trusted proxies put in X-Forwarded-For.
import fc from 'fast-check';
import { canonicalAddress, createClientAddress } from '../src/guards/client-address';
import { clientKey } from '../src/guards/rate-limit';
import type { AppRequest } from '../src/contract/http-messages';

/** A request from `peer`, with X-Forwarded-For when given; its body is never read here. */
function requestFrom(peer: string, forwardedFor?: string): AppRequest {
  return {
    method: 'POST',
    path: '/phone',
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    remoteAddress: peer,
    hasBody: false,
    readBody: () => Promise.reject(new Error('the client address must not read the body')),
  };
}

const CHAIN = '203.0.113.7, 10.0.0.2, 10.0.0.1';

it('false: the peer, whatever X-Forwarded-For says', () => {
  expect(createClientAddress(false)(requestFrom('198.51.100.4', CHAIN))).toBe('198.51.100.4');
});

it('true: the left-most X-Forwarded-For entry, or the peer without one', () => {
  const clientAddress = createClientAddress(true);
  expect(clientAddress(requestFrom('127.0.0.1', CHAIN))).toBe('203.0.113.7');
  expect(clientAddress(requestFrom('127.0.0.1'))).toBe('127.0.0.1');
});

it.each([
  [0, '127.0.0.1'],
  [1, '10.0.0.1'],
  [2, '10.0.0.2'],
  [3, '203.0.113.7'],
  [10, '203.0.113.7'],
])('a hop count of %d trusts that many proxies next to us -> %s', (hops, expected) => {
  expect(createClientAddress(hops)(requestFrom('127.0.0.1', CHAIN))).toBe(expected);
});

describe('a list of trusted proxies', () => {
  it('loopback: a loopback peer is trusted (IPv4, IPv6, IPv4-mapped), another peer is not', () => {
    const clientAddress = createClientAddress('loopback');
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddress(requestFrom('::1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddress(requestFrom('::ffff:127.0.0.1', '203.0.113.7'))).toBe('203.0.113.7');
    expect(clientAddress(requestFrom('198.51.100.4', '203.0.113.7'))).toBe('198.51.100.4');
  });

  it('a CIDR: walks back through trusted hops and stops at the first untrusted one', () => {
    const clientAddress = createClientAddress('10.0.0.0/8');
    expect(clientAddress(requestFrom('10.1.2.3', '203.0.113.7, 10.9.9.9'))).toBe('203.0.113.7');
    // A client cannot pick its own address by prepending to the header: 198.51.100.66 is who reached our proxy.
    expect(clientAddress(requestFrom('10.1.2.3', '203.0.113.7, 198.51.100.66'))).toBe('198.51.100.66');
    expect(clientAddress(requestFrom('192.168.1.1', '203.0.113.7'))).toBe('192.168.1.1');
  });

  it('a comma list with spaces trusts each item', () => {
    const clientAddress = createClientAddress('loopback, 10.0.0.0/8');
    expect(clientAddress(requestFrom('127.0.0.1', '203.0.113.7, 10.0.0.5'))).toBe('203.0.113.7');
    expect(clientAddress(requestFrom('10.0.0.9', '203.0.113.8'))).toBe('203.0.113.8');
  });
});

describe('whatever X-Forwarded-For holds, the key is an IP address', () => {
  it.each([
    ['fe80::1%a-b', 'fe80::1'],
    ['[fe80::1%25eth0]:443', 'fe80::1'],
    ['[2001:DB8::1]:8080', '2001:db8::1'],
    ['[2001:db8::2]', '2001:db8::2'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
  ])('%s counts as %s', (entry, expected) => {
    expect(canonicalAddress(entry)).toBe(expected);
    expect(createClientAddress(true)(requestFrom('127.0.0.1', entry))).toBe(expected);
  });

  it.each(['garbage', '', '[]', '%', '1', '0x7f.1', '999.1.1.1', '[::1', 'a'.repeat(200)])('%j is no address: the peer counts', (entry) => {
    expect(canonicalAddress(entry)).toBeUndefined();
    expect(createClientAddress(true)(requestFrom('198.51.100.4', entry))).toBe('198.51.100.4');
    expect(createClientAddress('loopback')(requestFrom('127.0.0.1', entry))).toBe('127.0.0.1');
  });

  it('a peer with a zone id counts without it', () => {
    expect(createClientAddress(false)(requestFrom('fe80::1%eth0'))).toBe('fe80::1');
  });
});

describe('any peer and any X-Forwarded-For give a key the rate limit can count (property)', () => {
  const anyText = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.ipV6(),
    fc.ipV4(),
    fc.constantFrom('::0.0.0.0', '::1.2.3.4', 'fe80::1%a-b', '[::1]:80', ''),
  );
  it.each([false, true, 1, 'loopback'] as const)('trustProxy %p', (trustProxy) => {
    const clientAddress = createClientAddress(trustProxy);
    fc.assert(
      fc.property(
        anyText,
        fc.option(
          fc.array(anyText, { maxLength: 4 }).map((entries) => entries.join(',')),
          { nil: undefined },
        ),
        (peer, forwardedFor) => {
          const key = clientKey(clientAddress(requestFrom(peer, forwardedFor)), 56);
          expect(typeof key).toBe('string');
          expect(key.length).toBeLessThanOrEqual(64);
        },
      ),
      { numRuns: 500 },
    );
  });
});
