// The client's address for the rate limit: the TCP peer, or with trustProxy the address its trusted proxies report
// in X-Forwarded-For (proxy-addr, the same rules as Express and fastify).
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { AppRequest } from '../http-messages';

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

export function createClientAddress(trustProxy: TrustProxy): (request: AppRequest) => string {
  if (trustProxy === false) return (request) => request.remoteAddress;
  const trust = trustFunction(trustProxy);
  return (request) => {
    // proxy-addr reads only the headers and the socket's address.
    const view = { headers: request.headers, socket: { remoteAddress: request.remoteAddress } } as unknown as IncomingMessage;
    return proxyAddr(view, trust);
  };
}
