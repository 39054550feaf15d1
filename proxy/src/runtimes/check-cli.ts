// The `check` subcommand: runs the checklist (check/run-check.ts) on this process's environment, prints it for people
// or, with --json, for scripts and CI, and says by its exit code whether anything failed.
import { formatReport } from '../check/lines';
import { runCheck } from '../check/run-check';
import { parseFlags } from './cli-flags';

export const CHECK_USAGE = `Usage: miniprogram-phone-proxy check [--json]
  Checks the configuration serve would use (the same environment variables) without spending a user's code:
  Node.js, every variable, the upstream (Authing reachable and the app / user pool / connection recognized; or WeChat:
  a stable_token in normal mode and getuserphonenumber refusing a probe code), Redis, the signing key, the allow-list
  and gateway trust. Exit code 0 when nothing failed, 1 otherwise.
  --json   one JSON object { ok, lines: [{ item, status, detail, fix?, ms? }] } instead of the checklist`;

export interface CheckFlags {
  json?: true;
  help?: true;
}

/** The check's flags; throws an Error naming a bad one. */
export function parseCheckArgs(argv: readonly string[]): CheckFlags {
  return parseFlags(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
}

/** Runs the check, prints it; resolves with the exit code. */
export async function runCheckCli(flags: CheckFlags, print: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<0 | 1> {
  if (flags.help) {
    print(CHECK_USAGE);
    return 0;
  }
  const report = await runCheck();
  print(flags.json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 1;
}
