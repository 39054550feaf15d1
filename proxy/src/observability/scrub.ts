// Text from outside (an upstream's message, an error's message) is logged only after this: Authing may echo the
// code it was sent, or a phone number, and neither may reach a log (docs/en/deploy/server.md, "Metrics and logs").

/** A run this long is a phone number (11 digits in mainland China, more with a country code), never an id we need. */
const DIGIT_RUN = /\d{11,}/g;
/** Enough to recognise a message in support; a longer one is cut. */
export const MAX_LOGGED_TEXT = 200;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `text` with every occurrence of `code`, in any letter case, replaced. Every upstream answer's message goes through here
 * (issue 23): a RegExp built from each code cost about 8% of the proxy's CPU. A search in lower case finds it at the
 * same places unless lowering changed the text's length (a few non-ASCII letters): then the RegExp does it.
 */
function withoutCode(text: string, code: string): string {
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return text.replace(new RegExp(escapeRegExp(code), 'gi'), '[code]');
  const needle = code.toLowerCase();
  let at = lower.indexOf(needle);
  if (at === -1) return text;
  let clean = '';
  let from = 0;
  for (; at !== -1; at = lower.indexOf(needle, from)) {
    clean += `${text.slice(from, at)}[code]`;
    from = at + needle.length;
  }
  return clean + text.slice(from);
}

/** `text` without `code` (in any letter case), without any run of 11+ digits, and at most `maxLength` long. */
export function scrubLogText(text: string, code?: string, maxLength = MAX_LOGGED_TEXT): string {
  let clean = code ? withoutCode(text, code) : text;
  clean = clean.replace(DIGIT_RUN, '[digits]');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** Room for a stack trace (a bug's detail), still bounded. */
const MAX_LOGGED_FIELD = 4000;

/** A log field's flat object with every string scrubbed: the pino serializer of `detail`, our failures' upstream facts. */
export function scrubLogFields(fields: unknown): unknown {
  const scrub = (value: unknown): unknown => (typeof value === 'string' ? scrubLogText(value, undefined, MAX_LOGGED_FIELD) : value);
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return scrub(fields);
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, scrub(value)]));
}
