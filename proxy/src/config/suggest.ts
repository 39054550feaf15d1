// "Did you mean ...?" for a name that is not ours: the known name closest by edit distance, if close enough to be a typo.

/** Levenshtein distance, case-insensitive (ALLOWED_APPID vs ALLOWED_APPIDS: 1; allowedAppIDs vs allowedAppIds: 0). */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = previous[j - 1] + (left[i - 1] === right[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length];
}

/**
 * The closest known name, when within a third of the name's length (at least 2 edits) or when one is the start of the
 * other (PHONE_ROUTE, PHONE_ROUTE_PATH): a typo, not another word.
 */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const allowed = Math.max(2, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    const other = candidate.toLowerCase();
    const truncated = Math.min(lower.length, other.length) >= 8 && (other.startsWith(lower) || lower.startsWith(other));
    if ((distance <= allowed || truncated) && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** " (did you mean X?)" or "". */
export function didYouMean(name: string, known: Iterable<string>): string {
  const closest = closestName(name, known);
  return closest === undefined ? '' : ` (did you mean ${closest}?)`;
}
