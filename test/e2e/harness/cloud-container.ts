/**
 * A cloud function in a container of its own: a separate Node process loads the function's folder once (as the
 * platform does per container), then calls main(event, context) for each invocation, the event built by
 * platformInvocation. Nothing is inherited but PATH and the variables given (no NODE_PATH): the folder resolves its
 * requires on its own. The driver script lives in a temporary directory of its own, never inside the folder.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { platformInvocation, type CloudIdentity } from './cloud';

/** The platform's side: one JSON line in ({ event, context }), one JSON line out ({ result } or { error }) per call. */
const DRIVER = `
const main = require(process.argv[2]).main;
require('node:readline').createInterface({ input: process.stdin }).on('line', (line) => {
  const { event, context } = JSON.parse(line);
  main(event, context).then(
    (result) => process.stdout.write(JSON.stringify({ result }) + '\\n'),
    (error) => process.stdout.write(JSON.stringify({ error: String(error) }) + '\\n'),
  );
});
`;

export interface CloudContainer {
  /** One invocation from the mini program `identity`, answered with what main resolved. */
  readonly call: (data: unknown, identity: CloudIdentity) => Promise<Record<string, unknown>>;
  /** Resolves when the process exits: its code and everything it wrote to stderr. */
  readonly exited: () => Promise<{ code: number | null; stderr: string }>;
  /** Kills the process if it still runs. */
  readonly stop: () => void;
}

export function startCloudContainer(functionDir: string, variables: Record<string, string>, functionName = 'getPhoneNumber'): CloudContainer {
  const driverDir = mkdtempSync(path.join(tmpdir(), 'cloud-container-'));
  const driver = path.join(driverDir, 'container.js');
  writeFileSync(driver, DRIVER);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [driver, functionDir], {
    cwd: functionDir,
    env: { PATH: process.env.PATH, ...variables },
  });
  child.once('exit', () => rmSync(driverDir, { recursive: true, force: true }));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    call: async (data, identity) => {
      child.stdin.write(`${JSON.stringify(platformInvocation(data, identity, functionName))}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error(`the container exited: ${stderr}`);
      const answer = JSON.parse(value) as { result?: Record<string, unknown>; error?: string };
      if (!answer.result) throw new Error(`main rejected: ${answer.error}`);
      return answer.result;
    },
    exited: () => exit,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
