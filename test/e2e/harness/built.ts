import { existsSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

/** The chain runs what users receive: say how to build it rather than fail on a missing module. */
export function assertBuilt(file: string, command: string): void {
  if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`${command}\` first (npm test and npm run demo do)`);
}
