// Environment variables that look like ours but are not (ALLOWED_APPID for ALLOWED_APPIDS): each is a warning naming
// the closest real one, since a typo would otherwise start the proxy without the setting, silently.
import { closestName } from './suggest';

/** The prefixes our variables use: a variable starting with one (in any case) is meant for us. */
const OUR_PREFIXES = [
  'AUTHING_',
  'ALLOWED_',
  'ALLOW_',
  'ASSERTION_',
  'REDIS_',
  'RATE_LIMIT_',
  'TRUST_',
  'DEDUPE_',
  'UPSTREAM_',
  'REQUEST_',
  'PHONE_',
  'CORS_',
  'LOG_',
];

export interface LookAlike {
  name: string;
  /** The closest variable we read, when close enough to be the one meant. */
  closest?: string;
  /** The warning, naming both; never the value. */
  warning: string;
}

/** Every variable that has our prefix but is not one we read. */
export function envLookAlikes(env: NodeJS.ProcessEnv, known: readonly string[]): LookAlike[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => !knownSet.has(name) && OUR_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix)))
    .sort()
    .map((name) => {
      const closest = closestName(name, known);
      const guess = closest === undefined ? '' : ` (did you mean ${closest}?)`;
      return { name, closest, warning: `${name} is not a variable miniprogram-phone-proxy reads${guess}: it has no effect` };
    });
}
