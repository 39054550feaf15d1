// What a ConfigError says: plain English naming the option, never the validator's own wording
// ("Invalid key: Expected ..."), and an unknown option key with the closest real one ("did you mean allowedAppIds?").
import type * as v from 'valibot';
import { ConfigError } from './options';
import { LISTEN_OPTION_KEYS } from './server-options';
import { didYouMean } from './suggest';

/** Just what the key walk reads of a valibot schema (object entries, an optional's wrapped schema, a union's options). */
interface AnySchema {
  entries?: Record<string, AnySchema>;
  wrapped?: AnySchema;
  options?: readonly unknown[];
}

/** What a missing required option is for. */
const REQUIRED: Readonly<Record<string, string>> = {
  options: 'must be an object: { authing: { appHost, appId or userPoolId, extIdpConnidentifier }, ... }',
  authing: 'required: { appHost, appId or userPoolId, extIdpConnidentifier }, your Authing application (docs/en/reference/config.md)',
  'authing.appHost': 'required: your Authing application domain, e.g. https://example.authing.cn',
  'authing.extIdpConnidentifier': 'required: the identifier of the WeChat mini program connection (身份源连接) in Authing',
  'rateLimit.max': 'required when rateLimit is an object, e.g. { max: 60, timeWindowMs: 60000 }',
  'rateLimit.timeWindowMs': 'required when rateLimit is an object, e.g. { max: 60, timeWindowMs: 60000 }',
};

/** valibot's type names (`expected`) in words. */
const EXPECTED: Readonly<Record<string, string>> = {
  Object: 'an object',
  Array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

interface Problem {
  path: string[];
  message: string;
  /** The issue the message comes from (inside a union, the deepest branch's). */
  issue: v.BaseIssue<unknown>;
}

/** The first issue as a ConfigError: its option path and a message of ours. */
export function configErrorFor(issue: v.BaseIssue<unknown>): ConfigError {
  const { path, message, issue: source } = mostSpecific(issue);
  const key = path.join('.') || 'options';
  // Our own rules word their messages; valibot's defaults all begin "Invalid ".
  if (!message.startsWith('Invalid ')) return new ConfigError(key, message);
  const received = inputOf(source);
  if (received === undefined) return new ConfigError(key, REQUIRED[key] ?? 'is required');
  const expected = EXPECTED[String(source.expected)];
  return new ConfigError(key, expected ? `must be ${expected}` : `has the wrong type (${Array.isArray(received) ? 'a list' : typeof received})`);
}

/**
 * The issue's option path and message. A failed union (e.g. `rateLimit: false | {max, timeWindowMs}`) reports the
 * branch that got deepest; its issues' paths are relative to the union.
 */
function mostSpecific(issue: v.BaseIssue<unknown>): Problem {
  const path = (issue.path ?? []).map((item) => String(item.key));
  let best: Problem = { path, message: issue.message, issue };
  if (issue.type !== 'union' || !issue.issues) return best;
  for (const inner of issue.issues) {
    const candidate = mostSpecific(inner);
    if (candidate.path.length > 0 && path.length + candidate.path.length > best.path.length) {
      best = { ...candidate, path: [...path, ...candidate.path] };
    }
  }
  return best;
}

/** The value the issue is about (a missing key: undefined). */
function inputOf(issue: v.BaseIssue<unknown>): unknown {
  const path = issue.path ?? [];
  return path.length > 0 ? path[path.length - 1].value : issue.input;
}

/** The object schema a (possibly optional, piped or union) schema stands for, if any. */
function objectEntries(schema: AnySchema | undefined): Record<string, AnySchema> | undefined {
  if (!schema) return undefined;
  if (schema.entries) return schema.entries;
  if (schema.wrapped) return objectEntries(schema.wrapped);
  return schema.options
    ?.map((option) => (typeof option === 'object' ? objectEntries(option as AnySchema) : undefined))
    .find((entries) => entries !== undefined);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;

/** Keys an EnvConfig carries beside the options (loadConfigFromEnv's listening options, which startProxy takes). */
const LISTEN_KEYS: readonly string[] = LISTEN_OPTION_KEYS;

/** Throws a ConfigError for the first key no schema knows (a typo is never silently ignored). */
export function checkKnownKeys(schema: object, value: unknown, path: readonly string[] = []): void {
  const entries = objectEntries(schema);
  if (!entries || !isPlainObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    const known = Object.keys(entries);
    if (!known.includes(key) && !(path.length === 0 && LISTEN_KEYS.includes(key))) {
      throw new ConfigError(
        [...path, key].join('.'),
        `is not an option${didYouMean(key, known)}; the ${path.length > 0 ? `${path.join('.')} options are` : 'options are'} ${known.join(', ')}`,
      );
    }
    checkKnownKeys(entries[key], inner, [...path, key]);
  }
}
