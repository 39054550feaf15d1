// `--cpu-prof`: V8 CPU profiles of the floor and the proxy in the same round, summarised as "where the extra µs go":
// each profile's samples (idle left out) grouped by who spent them, scaled to that process's measured CPU µs per request.
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}

/** Who spent a sample: the first matching rule wins, on the function's script URL or name. */
const GROUPS: Array<[string, (url: string, name: string) => boolean]> = [
  ['GC', (_url, name) => name === '(garbage collector)'],
  ['(program): native work outside any JS function', (_url, name) => name === '(program)'],
  ['socket writes (writev, writeString, writeBuffer: the kernel)', (_url, name) => /^write(v|String|Utf8String|Latin1String|Buffer)$/.test(name)],
  ['pino and its destination', (url) => /node_modules\/(pino|sonic-boom|fast-redact|on-exit-leak-free)/.test(url)],
  ['prom-client', (url) => url.includes('node_modules/prom-client')],
  ['rate-limiter-flexible', (url) => url.includes('node_modules/rate-limiter-flexible')],
  ['@redis/client', (url) => url.includes('node_modules/@redis')],
  ['jose', (url) => url.includes('node_modules/jose')],
  ['valibot', (url) => url.includes('node_modules/valibot')],
  ['our code (src/)', (url) => url.includes('/src/')],
  ['the bench server itself (bench/servers/)', (url) => url.includes('/bench/')],
  ['node:crypto (hashes, signatures: mostly native)', (url) => url.startsWith('node:internal/crypto')],
  ['node:http, streams, events, timers (JS internals)', (url) => url.startsWith('node:')],
  ['other native and V8 (crypto, buffers, JSON, parsing)', () => true],
];
const IDLE = new Set(['(idle)']);

/** Share of the non-idle samples per group, and the non-idle sample count. */
export function summarizeProfile(file: string): { shares: Map<string, number>; samples: number } {
  const { nodes } = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const hits = new Map<string, number>(GROUPS.map(([group]) => [group, 0]));
  let samples = 0;
  for (const { callFrame, hitCount = 0 } of nodes) {
    if (hitCount === 0 || IDLE.has(callFrame.functionName)) continue;
    const [group] = GROUPS.find(([, matches]) => matches(callFrame.url, callFrame.functionName)) ?? GROUPS[GROUPS.length - 1];
    hits.set(group, (hits.get(group) ?? 0) + hitCount);
    samples += hitCount;
  }
  return { shares: new Map([...hits].map(([group, count]) => [group, samples === 0 ? 0 : count / samples])), samples };
}

export interface ProfiledTarget {
  label: string;
  file: string;
  cpuMicrosPerRequest: number;
}

/** Rows: group, floor µs, proxy µs, extra µs; the profiles' shares scaled to each process's CPU per request. */
export function whereTheMicrosGo(floor: ProfiledTarget, proxy: ProfiledTarget): string[][] {
  const [f, p] = [summarizeProfile(floor.file), summarizeProfile(proxy.file)];
  const rows = GROUPS.map(([group]) => {
    const floorUs = (f.shares.get(group) ?? 0) * floor.cpuMicrosPerRequest;
    const proxyUs = (p.shares.get(group) ?? 0) * proxy.cpuMicrosPerRequest;
    return { group, floorUs, proxyUs };
  }).filter(({ floorUs, proxyUs }) => floorUs >= 0.5 || proxyUs >= 0.5);
  rows.sort((a, b) => b.proxyUs - b.floorUs - (a.proxyUs - a.floorUs));
  const us = (value: number) => value.toFixed(1);
  return [
    ...rows.map(({ group, floorUs, proxyUs }) => [group, us(floorUs), us(proxyUs), us(proxyUs - floorUs)]),
    [
      'all (server CPU µs per request, profiler on)',
      us(floor.cpuMicrosPerRequest),
      us(proxy.cpuMicrosPerRequest),
      us(proxy.cpuMicrosPerRequest - floor.cpuMicrosPerRequest),
    ],
  ];
}

/** node flags that write this process's profile to `dir/name.cpuprofile` when it exits. */
export function profileFlags(dir: string, name: string): string[] {
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`];
}

export const profileFile = (dir: string, name: string): string => path.join(dir, `${name}.cpuprofile`);
