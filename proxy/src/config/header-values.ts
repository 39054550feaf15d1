// Options that travel to Authing as HTTP headers are checked as header values when the configuration is read: a
// copy-paste slip (a zero-width space, a full-width letter, a line break) fails at start with the option or variable
// named, not as a 500 on every exchange (docs/en/reference/config.md).
import { validateHeaderValue } from 'node:http';
import * as v from 'valibot';
import { text } from './rules';

/** The headers the Authing client sends the tenant options in (docs/en/reference/protocol.md, "What the proxy sends Authing", names them). */
export const AUTHING_HEADERS = Object.freeze({ appId: 'x-authing-app-id', userPoolId: 'x-authing-userpool-id', lang: 'x-authing-lang' });

/**
 * Authing's ids (24 hex digits) and language tags are visible ASCII. Node would send Latin-1 bytes (a no-break space, a
 * soft hyphen) and refuse the rest only at the first request; neither is ever an id Authing issued.
 */
const VISIBLE_ASCII = /^[\x21-\x7e]$/;

/** Why `value` cannot be sent as the `header` header, or undefined when it can. */
export function headerValueProblem(header: string, value: string): string | undefined {
  const characters = [...value];
  const index = characters.findIndex((character) => !VISIBLE_ASCII.test(character));
  if (index < 0) {
    try {
      validateHeaderValue(header, value); // Node's own rule, what http.request would throw on
      return undefined;
    } catch (error) {
      return `cannot be sent as the ${header} header (${(error as Error).message})`;
    }
  }
  const point = `U+${(characters[index].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  return (
    `cannot be sent as the ${header} header: character ${index + 1} is ${point}, only visible ASCII is allowed ` +
    '(an invisible or full-width character slipped in: type the value again, or copy it from the Authing console)'
  );
}

/** A non-empty option sent as `header`. */
export const headerValue = (header: string) =>
  v.pipe(
    text,
    v.rawCheck(({ dataset, addIssue }) => {
      const problem = dataset.typed ? headerValueProblem(header, dataset.value) : undefined;
      if (problem) addIssue({ message: problem });
    }),
  );
