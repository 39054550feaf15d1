// The small valibot rules the option schema is built from (schema.ts): each with the message a ConfigError shows.
import * as v from 'valibot';
import { compileTrustedList } from '../guards/client-address';

export const text = v.pipe(v.string('must be a string'), v.trim(), v.minLength(1, 'must not be empty'));

const parsedUrl = (value: string): URL | undefined => {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
};

/** localhost, 127.0.0.0/8 and [::1] (URL normalises them): the only hosts plain http may reach without a word. */
export const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);

/** An http(s) URL without query, fragment or credentials (the WeChat API base). */
export const httpUrl = v.pipe(
  text,
  v.check((value) => {
    const url = parsedUrl(value);
    return (url?.protocol === 'https:' || url?.protocol === 'http:') && !url.search && !url.hash && !url.username;
  }, 'must be an http(s) URL without query, fragment or credentials'),
);

/**
 * Authing's domain. The proxy appends the exchange path itself, so an /api/ path (someone pasted the endpoint) would be
 * doubled and spend the first code on a 404; a prefix of a private deployment (https://sso.example.com/authing) is kept.
 */
export const authingHost = v.pipe(
  text,
  v.check(
    (value) => ['https:', 'http:'].includes(parsedUrl(value)?.protocol ?? ''),
    'must be an https URL of your Authing domain, e.g. https://example.authing.cn',
  ),
  // Each check passes what it cannot parse: the first one says so.
  v.check((value) => {
    const url = parsedUrl(value);
    return !url || (!url.search && !url.hash && !url.username && !url.password && !value.includes('#') && !value.includes('?'));
  }, 'must have no query (?), fragment (#) or user:password part, e.g. https://example.authing.cn'),
  v.check(
    (value) => !/(^|\/)api(\/|$)/i.test(parsedUrl(value)?.pathname.slice(1) ?? ''),
    'must be the domain only, e.g. https://example.authing.cn: the proxy adds /api/v3/get-wechat-miniprogram-phone itself',
  ),
);

export const origin = v.pipe(
  text,
  v.check((value) => {
    try {
      return new URL(value).origin === value;
    } catch {
      return false;
    }
  }, 'each origin must be exact, e.g. https://h5.example.com (scheme + host [+ port], no trailing slash)'),
);

export const TRUST_PROXY_MESSAGE =
  'must be true, false, a hop count, or a comma list of IP addresses, CIDRs (10.0.0.0/8) and loopback/linklocal/uniquelocal';

/** Whether proxy-addr, which applies the list, accepts every item. */
function isTrustedProxyList(value: string): boolean {
  try {
    compileTrustedList(value);
    return true;
  } catch {
    return false;
  }
}

export const trustedProxies = v.pipe(text, v.check(isTrustedProxyList, TRUST_PROXY_MESSAGE));

/** Never echoes the value: it may hold a password. */
export const redisUrl = v.pipe(
  text,
  v.check((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && !url.search && !url.hash;
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL, e.g. redis://:password@127.0.0.1:6379/0'),
);

export const positiveInt = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.integer('must be a whole number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

/** A key read by assertion-keys.ts: its error message becomes the issue (and so the ConfigError). */
export const key = <Input, Output>(read: (input: Input) => Output) =>
  v.rawTransform<Input, Output>(({ dataset, addIssue, NEVER }) => {
    try {
      return read(dataset.value);
    } catch (error) {
      addIssue({ message: (error as Error).message });
      return NEVER;
    }
  });
