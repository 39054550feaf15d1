// The ASSERTION_* environment variables turned into the `assertion` option. What the schema cannot see (a key set
// twice, a setting without a key, an unreadable file) is refused here, naming the variable.
import { readFileSync } from 'node:fs';
import { ConfigError, type AssertionOptions } from './options';

export const KEY_VARIABLE = 'ASSERTION_PRIVATE_KEY';
export const KEY_FILE_VARIABLE = 'ASSERTION_PRIVATE_KEY_FILE';
const SETTINGS = ['ASSERTION_AUDIENCE', 'ASSERTION_ISSUER', 'ASSERTION_TTL_S', 'ASSERTION_PUBLIC_KEYS_PREVIOUS'];

export interface AssertionEnv {
  options: AssertionOptions;
  /** The variable that held the key: the one a key error names. */
  keyVariable: string;
}

/** `read` gives a trimmed value or undefined; `int` a whole number or throws a ConfigError. */
export function readAssertionEnv(read: (name: string) => string | undefined, int: (name: string) => number | undefined): AssertionEnv | undefined {
  const inline = read(KEY_VARIABLE);
  const file = read(KEY_FILE_VARIABLE);
  if (inline !== undefined && file !== undefined) {
    throw new ConfigError(KEY_FILE_VARIABLE, `set ${KEY_VARIABLE} or ${KEY_FILE_VARIABLE}, not both`);
  }
  if (inline === undefined && file === undefined) {
    const orphan = SETTINGS.find((name) => read(name) !== undefined);
    if (orphan) throw new ConfigError(orphan, `has no effect without a signing key: set ${KEY_VARIABLE} or ${KEY_FILE_VARIABLE} too`);
    return undefined;
  }
  if (inline !== undefined && looksLikePath(inline)) {
    // A path is not a secret: naming it helps; anything else in this variable is never echoed.
    throw new ConfigError(
      KEY_VARIABLE,
      `holds a file path (${inline}), not a key: set ${KEY_FILE_VARIABLE}=${inline} to read the key from that file, or put the PEM or JWK itself in ${KEY_VARIABLE}`,
    );
  }
  const privateKey = inline !== undefined ? unescapeNewlines(inline) : readKeyFile(file as string);
  const previous = read('ASSERTION_PUBLIC_KEYS_PREVIOUS');
  return {
    keyVariable: inline !== undefined ? KEY_VARIABLE : KEY_FILE_VARIABLE,
    options: {
      privateKey,
      audience: read('ASSERTION_AUDIENCE') as string, // the schema says so when it is missing
      issuer: read('ASSERTION_ISSUER'),
      ttlSeconds: int('ASSERTION_TTL_S'),
      previousPublicKeys: previous === undefined ? undefined : parsePreviousKeys(previous),
    },
  };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(KEY_FILE_VARIABLE, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * A key is PEM (-----BEGIN) or JSON ({...}). Path characters only, and either a path's start (/, ./, ../, ~/, C:\) or
 * a key file's extension: never a base64 key body, which would then be echoed.
 */
function looksLikePath(value: string): boolean {
  if (value.length > 256 || !/^[\w.~/\\:-]+$/.test(value)) return false;
  return /^(\/|\.{1,2}[/\\]|~\/|[A-Za-z]:\\)/.test(value) || /\.(pem|key|json|jwk|p8|txt)$/i.test(value);
}

/** A PEM pasted into a one-line variable often arrives with literal "\n": turned back into line breaks. */
function unescapeNewlines(value: string): string {
  return value.startsWith('-----BEGIN') && !value.includes('\n') ? value.replace(/\\n/g, '\n') : value;
}

/** A JWKS ({"keys": [...]}, e.g. the old /.well-known/jwks.json) or an array of public JWKs. */
function parsePreviousKeys(value: string): AssertionOptions['previousPublicKeys'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) {
    throw new ConfigError('ASSERTION_PUBLIC_KEYS_PREVIOUS', 'must be JSON: a JWKS {"keys": [...]} or an array of public JWKs');
  }
  return keys as AssertionOptions['previousPublicKeys'];
}
