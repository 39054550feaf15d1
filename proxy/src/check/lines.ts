// One line of `check`'s checklist: what was checked, the verdict, what was found and, unless it passed, the fix.

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

export interface CheckLine {
  /** What was checked, e.g. "Authing identifiers". */
  item: string;
  status: CheckStatus;
  /** What was found; never a secret. */
  detail: string;
  /** What to do about a WARN or FAIL. */
  fix?: string;
  /** How long the check took, for network checks. */
  ms?: number;
}

export interface CheckReport {
  /** true when no line failed: `check` exits 0. */
  ok: boolean;
  lines: CheckLine[];
}

export const pass = (item: string, detail: string, ms?: number): CheckLine => ({ item, status: 'PASS', detail, ...(ms !== undefined && { ms }) });
export const warn = (item: string, detail: string, fix: string, ms?: number): CheckLine => ({
  item,
  status: 'WARN',
  detail,
  fix,
  ...(ms !== undefined && { ms }),
});
export const fail = (item: string, detail: string, fix: string, ms?: number): CheckLine => ({
  item,
  status: 'FAIL',
  detail,
  fix,
  ...(ms !== undefined && { ms }),
});

/** The checklist for people: one line per item, its fix indented below. */
export function formatReport(report: CheckReport): string {
  const out = report.lines.map((line) => {
    const took = line.ms === undefined ? '' : ` (${line.ms} ms)`;
    const head = `${line.status.padEnd(4)}  ${line.item}: ${line.detail}${took}`;
    return line.fix === undefined ? head : `${head}\n      fix: ${line.fix}`;
  });
  const failed = report.lines.filter((line) => line.status === 'FAIL').length;
  const warned = report.lines.filter((line) => line.status === 'WARN').length;
  out.push('', report.ok ? `ready: nothing failed (${warned} warning(s))` : `not ready: ${failed} check(s) failed, ${warned} warning(s)`);
  return out.join('\n');
}
