// The bench's figures and their rendering, with the verdicts of targets.ts, as a console table or as the generated part
// of RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import type { LoadResult } from './load';
import { megabytes } from './memory';
import type { BenchOptions } from './options';
import { whereTheMicrosGo } from './profile';
import type { RedisCommandFigures } from './redis-commands';
import { spread } from './stats';
import { comparisons, fixed, mb, spreadText, TARGETS, verdicts, type TargetKey } from './targets';

export { verdicts } from './targets';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
}

/** One target in one round: its own fresh upstream and server process. */
export interface TargetFigures {
  label: string;
  throughput: LoadResult;
  /** The server process's CPU time (user + system) per answered request during the throughput run. */
  cpuMicrosPerRequest: number;
  /** The upstream sandbox's CPU time per answered request, same run (its own process). */
  upstreamCpuMicrosPerRequest?: number;
  peakRssBytes: number;
  /** The fixed-rate latency run (floor and the proxy on either store). */
  fixedRate?: LoadResult;
  /** Proxy only: log lines written over the whole phase (warm-up included). */
  logLines?: number;
  /** With --cpu-prof (floor and proxy): the process's CPU profile. */
  profile?: string;
}

/** One round: the five targets measured back to back. */
export interface RoundFigures {
  /** The fixed rate of this round (req/s): a share of the memory proxy's throughput in this round. */
  rate: number;
  floor: TargetFigures;
  express: TargetFigures;
  proxy: TargetFigures;
  /** The proxy on the Redis store (a local redis-server). */
  proxyRedis: TargetFigures;
  /** The proxy with a signing key: every answer carries an ES256 assertion. */
  signing: TargetFigures;
  /** The proxy with the WeChat upstream (the WeChat sandbox, stable_token included) instead of Authing. */
  wechat: TargetFigures;
}

export interface BenchReport {
  machine: MachineInfo;
  options: BenchOptions;
  rounds: RoundFigures[];
  memory: {
    /** The distinct-code load, in two runs (the live heap is read between them). */
    loads: LoadResult[];
    /** Codes the store (default bound) had room for during that load: answered 200; every later one refused 503. */
    storeRoom: number;
    rssBytes: number;
    peakRssBytes: number;
    earlyRequests: number;
    liveHeapEarlyBytes: number;
    liveHeapBytes: number;
    /** The floor's RSS after the same distinct-code load, same run. */
    floorRssBytes: number;
  };
  coldStart: {
    runs: number;
    listenMs: number;
    firstAnswerMs: number;
    /** The same with the runner's NODE_EXTRA_CA_CERTS, when it has one (run.ts: the proxy is measured without it). */
    withMachineCa?: { caFile: string; listenMs: number; firstAnswerMs: number };
  };
  redisCommands: RedisCommandFigures;
  dedupe: { codes: number; duplicates: number; minCalls: number; maxCalls: number; allAnswered: boolean };
  /** Wall time of the whole bench. */
  elapsedSeconds: number;
}

export function describeMachine(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    cpus: os.availableParallelism(),
    cpuModel,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
  };
}

/** A figure of one target across the rounds. */
const acrossRounds = (report: BenchReport, key: TargetKey, figure: (target: TargetFigures) => number) =>
  spread(report.rounds.map((round) => figure(round[key])));

function table(headers: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function render(report: BenchReport, markdown: boolean): string {
  const { machine, options, rounds, coldStart } = report;
  const heading = (text: string) => (markdown ? `### ${text}` : `== ${text}`);
  const label = (key: TargetKey) => rounds[0]?.[key].label ?? key;
  const figure = (key: TargetKey, pick: (target: TargetFigures) => number, format: (value: number) => string) =>
    spreadText(acrossRounds(report, key, pick), format);
  const [count, ms] = [(value: number) => fixed(value, 0), (value: number) => fixed(value)];
  const throughputRows = TARGETS.map((key) => [
    label(key),
    figure(key, (target) => target.throughput.requestsPerSecond, count),
    figure(key, (target) => target.throughput.p50Ms, ms),
    figure(key, (target) => target.throughput.p99Ms, ms),
    figure(key, (target) => target.cpuMicrosPerRequest, count),
    figure(
      key,
      (target) => target.peakRssBytes,
      (bytes) => fixed(megabytes(bytes), 1),
    ),
  ]);
  const fixedRows = (['floor', 'proxy', 'proxyRedis'] as const).map((key) => [
    label(key),
    figure(key, (target) => target.fixedRate?.requestsPerSecond ?? NaN, count),
    figure(key, (target) => target.fixedRate?.p50Ms ?? NaN, ms),
    figure(key, (target) => target.fixedRate?.p99Ms ?? NaN, ms),
  ]);
  const { toFloor, cpuToFloor, toExpress, p50Diff, p99Diff, redisToMemory, redisCpu, redisP50Diff, redisP99Diff, signingToPlain, signingCpu } =
    comparisons(report);
  const roundRows = rounds.map((round, i) => [
    String(i + 1),
    ...TARGETS.map((key) => count(round[key].throughput.requestsPerSecond)),
    fixed(toFloor[i]),
    fixed(cpuToFloor[i]),
    fixed(toExpress[i]),
    fixed(redisToMemory[i]),
    fixed(signingCpu[i]),
    count(round.rate),
    `${ms(p50Diff[i])} ms`,
    `${ms(redisP50Diff[i])} ms`,
    `${ms(p99Diff[i])} ms`,
    `${ms(redisP99Diff[i])} ms`,
  ]);
  const rates = rounds.map((round) => count(round.rate)).join(', ');
  const share = `${fixed(options.rateShare * 100, 0)}%`;
  const verdictRows = verdicts(report).map((verdict) => [verdict.pass ? 'PASS' : 'MISS', verdict.target, verdict.measured]);
  return [
    heading('Machine'),
    `${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGb} GB RAM; Node ${machine.node}; ${machine.os}; ${machine.date}`,
    `Load: autocannon, ${options.connections} connections, ${options.rounds} interleaved rounds (proxy, floor, express+axios, proxy on a local redis-server, proxy signing), ` +
      `each target per round ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured, ` +
      'every request a distinct code; each server and the upstream (Authing sandbox) in its own fresh process every round. ' +
      `Figures: median (min..max) over the rounds. Whole bench: ${fixed(report.elapsedSeconds, 0)} s.`,
    '',
    heading('Throughput (unlimited rate)'),
    table(['target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'peak RSS MB'], throughputRows, markdown),
    '',
    heading(
      `Latency at a fixed rate, ${share} of the memory proxy's throughput in the same round (${rates} req/s), evenly spaced (${options.rateSeconds} s per round, open loop)`,
    ),
    table(['target', 'req/s', 'p50 ms', 'p99 ms'], fixedRows, markdown),
    '',
    heading('Per round (ratios paired within a round)'),
    table(
      [
        'round',
        'floor req/s',
        'express req/s',
        'proxy req/s',
        'proxy Redis req/s',
        'signing req/s',
        'proxy/floor',
        'proxy/floor per CPU second',
        'proxy/express',
        'Redis/memory',
        'signing on/off per CPU second',
        'fixed rate req/s',
        'p50 proxy - floor',
        'p50 Redis - memory',
        'p99 proxy - floor',
        'p99 Redis - memory',
      ],
      roundRows,
      markdown,
    ),
    '',
    heading('Proxy alone'),
    table(
      ['figure', 'value'],
      [
        ['ratio proxy/floor (req/s), median of rounds', spreadText(spread(toFloor), ms)],
        ['ratio proxy/floor (requests per server CPU second), median of rounds', spreadText(spread(cpuToFloor), ms)],
        ['ratio proxy/express+axios (req/s), median of rounds', spreadText(spread(toExpress), ms)],
        ['info log lines written per round (warm-up, throughput, fixed rate)', figure('proxy', (target) => target.logLines ?? NaN, count)],
        ['ratio Redis store/memory store (req/s), median of rounds', spreadText(spread(redisToMemory), ms)],
        [
          'ratio Redis store/memory store (requests per server CPU second; redis-server not counted), median of rounds',
          spreadText(spread(redisCpu), ms),
        ],
        ['ratio signing on/off (req/s), median of rounds', spreadText(spread(signingToPlain), ms)],
        ['ratio signing on/off (requests per server CPU second), median of rounds', spreadText(spread(signingCpu), ms)],
        [
          `RSS after ${options.memoryRequests} distinct codes, the memory store at its default bound: ${storeText(report.memory.storeRoom, options.memoryRequests)} (floor: ${mb(report.memory.floorRssBytes)})`,
          mb(report.memory.rssBytes),
        ],
        [`peak RSS during those ${options.memoryRequests}`, mb(report.memory.peakRssBytes)],
        [
          `live heap after full GC, at ${report.memory.earlyRequests} / ${options.memoryRequests} codes`,
          `${mb(report.memory.liveHeapEarlyBytes)} / ${mb(report.memory.liveHeapBytes)}`,
        ],
        [`cold start: spawn to listening (median of ${coldStart.runs})`, `${fixed(coldStart.listenMs, 0)} ms`],
        [`cold start: spawn to first answer (median of ${coldStart.runs})`, `${fixed(coldStart.firstAnswerMs, 0)} ms`],
        ...(coldStart.withMachineCa
          ? [
              [
                `cold start with this machine's NODE_EXTRA_CA_CERTS (${coldStart.withMachineCa.caFile}, read by Node at boot): listening / first answer`,
                `${fixed(coldStart.withMachineCa.listenMs, 0)} / ${fixed(coldStart.withMachineCa.firstAnswerMs, 0)} ms`,
              ],
            ]
          : []),
        [
          `upstream calls per code, ${report.dedupe.duplicates} concurrent duplicates x ${report.dedupe.codes} codes`,
          `${report.dedupe.minCalls}..${report.dedupe.maxCalls}`,
        ],
      ],
      markdown,
    ),
    '',
    heading('Targets (issue 23; issues 5 and 12)'),
    table(['verdict', 'target', 'measured'], verdictRows, markdown),
  ].join('\n');
}

export function renderText(report: BenchReport): string {
  return render(report, false);
}

/** What the memory phase's store did: every code answered, or answered until full and the rest refused. */
const storeText = (room: number, codes: number): string =>
  codes <= room ? `${codes} answered 200` : `${room} answered 200, then full: ${codes - room} refused 503, nothing sent`;

/** --cpu-prof: per round, the floor's and the memory proxy's profiles side by side (bench/profile.ts). */
export function renderProfiles(report: BenchReport, markdown = false): string {
  return report.rounds
    .filter((round) => round.floor.profile && round.proxy.profile)
    .map((round, i) => {
      const [floor, proxy] = [round.floor, round.proxy].map((target) => ({
        label: target.label,
        file: target.profile as string,
        cpuMicrosPerRequest: target.cpuMicrosPerRequest,
      }));
      return `Where the extra µs go, round ${i + 1} (µs of server CPU per request)\n${table(['who', 'floor', 'proxy', 'extra'], whereTheMicrosGo(floor, proxy), markdown)}`;
    })
    .join('\n\n');
}

const BEGIN = '<!-- bench:begin (generated by `npm run bench -w miniprogram-phone-proxy -- --write`) -->';
const END = '<!-- bench:end -->';

/** Replaces the generated part of RESULTS.md, keeping the hand-written analysis around it. */
export function writeResults(file: string, report: BenchReport): void {
  const generated = `${BEGIN}\n${render(report, true)}\n${END}`;
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const begin = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    begin >= 0 && end > begin
      ? current.slice(0, begin) + generated + current.slice(end + END.length)
      : `# miniprogram-phone-proxy: benchmark results\n\n${generated}\n`;
  fs.writeFileSync(file, next);
}
