// CPU time of another process, from Linux /proc: user + system, whatever else the machine was doing meanwhile.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU counters (USER_HZ: 100 on Linux almost everywhere). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU time the process has used so far, in microseconds. */
export function readProcessCpuMicros(pid: number): number {
  // Fields after the command name (which may hold spaces, hence the split on ') '): utime is the 12th, stime the 13th.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}
