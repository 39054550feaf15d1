// Resident memory of another process, from Linux /proc: current RSS and its high-water mark.
import fs from 'node:fs';

export interface ProcessMemory {
  rssBytes: number;
  peakRssBytes: number;
}

function field(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name} (Linux only)`);
  return Number(match[1]) * 1024;
}

export function readProcessMemory(pid: number): ProcessMemory {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssBytes: field(status, 'VmRSS'), peakRssBytes: field(status, 'VmHWM') };
}

export function megabytes(bytes: number): number {
  return bytes / (1024 * 1024);
}
