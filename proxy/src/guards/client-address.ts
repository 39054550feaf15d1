// The client's address for the rate limit: the TCP peer, or with trustProxy the address its trusted proxies report
// in X-Forwarded-For (proxy-addr, the same rules as Express and fastify). Whatever the header holds, the result is
// one canonical IP address: the rate limit's key must never be chosen, or crash, by what a caller writes.
import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';
import type { AppRequest } from '../contract/http-messages';

export type TrustProxy = boolean | string | number;

type TrustFunction = (address: string, hop: number) => boolean;

/** Trust for a comma list of addresses, CIDRs and range names; throws TypeError on an item proxy-addr does not know. */
export function compileTrustedList(list: string): TrustFunction {
  return proxyAddr.compile(list.split(',').map((item) => item.trim()));
}

function trustFunction(trustProxy: Exclude<TrustProxy, false>): TrustFunction {
  if (trustProxy === true) return () => true;
  // A hop count trusts that many proxies next to us.
  if (typeof trustProxy === 'number') return (_address, hop) => hop < trustProxy;
  return compileTrustedList(trustProxy);
}

/** `[v6]:port`, `[v6]`, `v4:port`: the forms proxies (Azure's among them) write into X-Forwarded-For. */
const BRACKETED = /^\[([^\]]*)\](?::\d{1,5})?$/;
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
/** Longer than any address with a zone id and a port is not an address: not worth parsing. */
const MAX_ADDRESS_LENGTH = 100;

/**
 * One entry as a canonical IP address (IPv6 compressed, lower case, without its zone id; an IPv4-mapped IPv6 address
 * as its IPv4 address), or undefined for anything that is not one. A zone id (`fe80::1%eth0`) names an interface of
 * the machine that wrote it, not a client.
 */
export function canonicalAddress(entry: string): string | undefined {
  let text = entry.trim();
  if (text.length > MAX_ADDRESS_LENGTH) return undefined;
  text = BRACKETED.exec(text)?.[1] ?? IPV4_WITH_PORT.exec(text)?.[1] ?? text;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // ipaddr.isValid also accepts "1", "0x7f.1" and other inet_aton shorthands that no proxy writes.
  if (!ipaddr.IPv6.isValid(text) && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return ipaddr.process(text).toString();
}

/**
 * The client's address, as a canonical IP. The peer's own address is always one (a socket reports nothing else),
 * so when trusted proxies report garbage the request counts under the peer: callers who send garbage share one
 * bucket with each other and cannot pick a fresh key per request.
 */
export function createClientAddress(trustProxy: TrustProxy): (request: AppRequest) => string {
  const peerOf = (request: AppRequest): string => canonicalAddress(request.remoteAddress) ?? request.remoteAddress;
  if (trustProxy === false) return peerOf;
  const trust = trustFunction(trustProxy);
  return (request) => {
    // proxy-addr reads only the headers and the socket's address.
    const view = { headers: request.headers, socket: { remoteAddress: request.remoteAddress } } as unknown as IncomingMessage;
    let reported: string | undefined;
    try {
      reported = canonicalAddress(proxyAddr(view, trust));
    } catch {
      reported = undefined; // proxy-addr does not throw on any header we know of: this is only a safety net
    }
    return reported ?? peerOf(request);
  };
}
