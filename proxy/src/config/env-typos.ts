// Environment variables that look like ours but are not (ALLOWED_APPID for ALLOWED_APPIDS): each is a warning naming
// the closest real one, since a typo would otherwise start the proxy without the setting, silently.
import { didYouMean } from './suggest';

/** The prefixes our variables use: a variable starting with one (in any case) is meant for us. */
const OUR_PREFIXES = ['AUTHING_', 'ALLOWED_', 'ALLOW_', 'ASSERTION_', 'REDIS_', 'RATE_LIMIT_', 'TRUST_', 'DEDUPE_', 'UPSTREAM_', 'REQUEST_', 'PHONE_', 'CORS_', 'LOG_'];

/** One warning per variable that has our prefix but is not one we read; never its value. */
export function envLookAlikes(env: NodeJS.ProcessEnv, known: readonly string[]): string[] {
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((name) => !knownSet.has(name) && OUR_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix)))
    .sort()
    .map((name) => `${name} is not a variable miniprogram-phone-proxy reads${didYouMean(name, known)}: it has no effect`);
}
