// The bench's figures, its verdicts against the targets (issues 5, 11 and 12), and their rendering as a console table or as
// the generated part of RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import type { LoadResult } from './load';
import { megabytes } from './memory';
import type { BenchOptions } from './options';
import { spread, type Spread } from './stats';

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
  peakRssBytes: number;
  /** The fixed-rate latency run (floor and proxy only). */
  fixedRate?: LoadResult;
  /** Proxy only: log lines written over the whole phase (warm-up included). */
  logLines?: number;
}

/** One round: the four targets measured back to back. */
export interface RoundFigures {
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
    rssBytes: number;
    peakRssBytes: number;
    earlyRequests: number;
    liveHeapEarlyBytes: number;
    liveHeapBytes: number;
    /** The floor's RSS after the same distinct-code load, same run. */
    floorRssBytes: number;
  };
  coldStart: { runs: number; listenMs: number; firstAnswerMs: number };
  dedupe: { codes: number; duplicates: number; minCalls: number; maxCalls: number; allAnswered: boolean };
  /** Wall time of the whole bench. */
  elapsedSeconds: number;
}

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
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

const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const mb = (bytes: number): string => `${fixed(megabytes(bytes), 1)} MB`;
/** "median (min..max)": `..` because a range of differences can be negative. */
const spreadText = ({ median, min, max }: Spread, format: (value: number) => string): string =>
  `${format(median)} (${format(min)}..${format(max)})`;

const TARGETS = ['floor', 'express', 'proxy', 'proxyRedis', 'signing'] as const;
type TargetKey = (typeof TARGETS)[number];

/** A figure of one target across the rounds. */
const acrossRounds = (report: BenchReport, key: TargetKey, figure: (target: TargetFigures) => number): Spread =>
  spread(report.rounds.map((round) => figure(round[key])));

/** Paired per round (same machine state for both sides), then summarized: what the verdicts judge. */
function comparisons(report: BenchReport): {
  toFloor: number[];
  cpuToFloor: number[];
  toExpress: number[];
  p99Diff: number[];
  redisToMemory: number[];
  redisP99Diff: number[];
  signingToPlain: number[];
  signingCpu: number[];
} {
  const rps = (target: TargetFigures) => target.throughput.requestsPerSecond;
  const fixedP99 = (target: TargetFigures) => target.fixedRate?.p99Ms ?? NaN;
  return {
    toFloor: report.rounds.map((round) => rps(round.proxy) / rps(round.floor)),
    // Requests per CPU second, proxy over floor: what the throughput ratio would be if each server had a core of its own.
    cpuToFloor: report.rounds.map((round) => round.floor.cpuMicrosPerRequest / round.proxy.cpuMicrosPerRequest),
    toExpress: report.rounds.map((round) => rps(round.proxy) / rps(round.express)),
    p99Diff: report.rounds.map((round) => fixedP99(round.proxy) - fixedP99(round.floor)),
    redisToMemory: report.rounds.map((round) => rps(round.proxyRedis) / rps(round.proxy)),
    redisP99Diff: report.rounds.map((round) => fixedP99(round.proxyRedis) - fixedP99(round.proxy)),
    signingToPlain: report.rounds.map((round) => rps(round.signing) / rps(round.proxy)),
    // Requests per CPU second, signing on over off: what signing costs the server itself.
    signingCpu: report.rounds.map((round) => round.proxy.cpuMicrosPerRequest / round.signing.cpuMicrosPerRequest),
  };
}

/** Every load run of the report: a verdict needs them all answered 200, or it measured errors. */
function loadRuns(report: BenchReport): Array<[string, LoadResult]> {
  const runs: Array<[string, LoadResult]> = [];
  report.rounds.forEach((round, i) => {
    for (const target of TARGETS.map((key) => round[key])) {
      runs.push([`${target.label} (round ${i + 1})`, target.throughput]);
      if (target.fixedRate) runs.push([`${target.label} (round ${i + 1}, fixed rate)`, target.fixedRate]);
    }
  });
  report.memory.loads.forEach((run, i) => runs.push([`${report.rounds[0]?.proxy.label} (memory run ${i + 1})`, run]));
  return runs;
}

export function verdicts(report: BenchReport): Verdict[] {
  const { memory, dedupe, options } = report;
  const { cpuToFloor, toExpress, p99Diff, redisToMemory, redisP99Diff, signingToPlain } = comparisons(report);
  const [cpuRatio, expressRatio, p99Spread] = [spread(cpuToFloor), spread(toExpress), spread(p99Diff)];
  const [redisRatio, redisP99, signingRatio] = [spread(redisToMemory), spread(redisP99Diff), spread(signingToPlain)];
  const rssBudgetBytes = memory.floorRssBytes + 25 * 2 ** 20;
  const failed = loadRuns(report).filter(([, run]) => run.non2xx > 0 || run.errors > 0);
  return [
    {
      target: 'every load request answered 200',
      measured: failed.length === 0 ? 'yes' : failed.map(([name, run]) => `${name}: ${run.non2xx} non-2xx, ${run.errors} errors`).join('; '),
      pass: failed.length === 0,
    },
    {
      // Per server CPU second: the load generator, the upstream and the server share the machine's cores.
      target: 'requests per server CPU second, proxy/floor >= 0.5x (median of rounds)',
      measured: spreadText(cpuRatio, (ratio) => `${fixed(ratio)}x`),
      pass: cpuRatio.median >= 0.5,
    },
    {
      target: 'throughput proxy/express+axios >= 2x (median of rounds)',
      measured: spreadText(expressRatio, (ratio) => `${fixed(ratio)}x`),
      pass: expressRatio.median >= 2,
    },
    {
      target: `p99 at ${options.rate} req/s: proxy - floor <= 2 ms (median of rounds)`,
      measured: spreadText(p99Spread, (ms) => `${fixed(ms)} ms`),
      pass: p99Spread.median <= 2,
    },
    {
      target: `throughput Redis store/memory store >= 0.5x (median of rounds)`,
      measured: spreadText(redisRatio, (ratio) => `${fixed(ratio)}x`),
      pass: redisRatio.median >= 0.5,
    },
    {
      target: `p99 at ${options.rate} req/s: Redis store - memory store <= 2 ms (median of rounds)`,
      measured: spreadText(redisP99, (ms) => `${fixed(ms)} ms`),
      pass: redisP99.median <= 2,
    },
    {
      target: 'throughput signing on / signing off >= 0.6x (median of rounds)',
      measured: spreadText(signingRatio, (ratio) => `${fixed(ratio)}x`),
      pass: signingRatio.median >= 0.6,
    },
    {
      target: `RSS after ${options.memoryRequests} distinct codes <= floor's RSS + 25 MB (same run)`,
      measured: `${mb(memory.rssBytes)} vs floor ${mb(memory.floorRssBytes)} + 25 MB = ${mb(rssBudgetBytes)} (peak ${mb(memory.peakRssBytes)})`,
      pass: memory.rssBytes <= rssBudgetBytes,
    },
    {
      target: `upstream calls per code, ${dedupe.duplicates} concurrent duplicates = 1`,
      measured: dedupe.allAnswered ? `${dedupe.minCalls}..${dedupe.maxCalls} over ${dedupe.codes} codes` : 'some duplicates were not answered 200 alike',
      pass: dedupe.allAnswered && dedupe.minCalls === 1 && dedupe.maxCalls === 1,
    },
  ];
}

function table(headers: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
    return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
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
    figure(key, (target) => target.peakRssBytes, (bytes) => fixed(megabytes(bytes), 1)),
  ]);
  const fixedRows = (['floor', 'proxy', 'proxyRedis'] as const).map((key) => [
    label(key),
    figure(key, (target) => target.fixedRate?.requestsPerSecond ?? NaN, count),
    figure(key, (target) => target.fixedRate?.p50Ms ?? NaN, ms),
    figure(key, (target) => target.fixedRate?.p99Ms ?? NaN, ms),
  ]);
  const { toFloor, cpuToFloor, toExpress, p99Diff, redisToMemory, redisP99Diff, signingToPlain, signingCpu } = comparisons(report);
  const roundRows = rounds.map((round, i) => [
    String(i + 1),
    ...TARGETS.map((key) => count(round[key].throughput.requestsPerSecond)),
    fixed(toFloor[i]),
    fixed(cpuToFloor[i]),
    fixed(toExpress[i]),
    `${ms(p99Diff[i])} ms`,
    fixed(redisToMemory[i]),
    `${ms(redisP99Diff[i])} ms`,
    fixed(signingToPlain[i]),
  ]);
  const verdictRows = verdicts(report).map((verdict) => [verdict.pass ? 'PASS' : 'MISS', verdict.target, verdict.measured]);
  return [
    heading('Machine'),
    `${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGb} GB RAM; Node ${machine.node}; ${machine.os}; ${machine.date}`,
    `Load: autocannon, ${options.connections} connections, ${options.rounds} interleaved rounds (floor, express+axios, proxy, proxy on a local redis-server, proxy signing), ` +
      `each target per round ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s measured, ` +
      'every request a distinct code; each server and the upstream (Authing sandbox) in its own fresh process every round. ' +
      `Figures: median (min..max) over the rounds. Whole bench: ${fixed(report.elapsedSeconds, 0)} s.`,
    '',
    heading('Throughput (unlimited rate)'),
    table(['target', 'req/s', 'p50 ms', 'p99 ms', 'server CPU µs/req', 'peak RSS MB'], throughputRows, markdown),
    '',
    heading(`Latency at a fixed ${options.rate} req/s, evenly spaced (${options.rateSeconds} s per round, open loop)`),
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
        `p99 proxy - floor at ${options.rate} req/s`,
        'Redis/memory',
        `p99 Redis - memory at ${options.rate} req/s`,
        'signing/proxy',
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
        ['ratio signing on/off (req/s), median of rounds', spreadText(spread(signingToPlain), ms)],
        ['ratio signing on/off (requests per server CPU second), median of rounds', spreadText(spread(signingCpu), ms)],
        [`RSS after ${options.memoryRequests} distinct codes (floor: ${mb(report.memory.floorRssBytes)})`, mb(report.memory.rssBytes)],
        [`peak RSS during those ${options.memoryRequests}`, mb(report.memory.peakRssBytes)],
        [`live heap after full GC, at ${report.memory.earlyRequests} / ${options.memoryRequests} codes`, `${mb(report.memory.liveHeapEarlyBytes)} / ${mb(report.memory.liveHeapBytes)}`],
        [`cold start: spawn to listening (median of ${coldStart.runs})`, `${fixed(coldStart.listenMs, 0)} ms`],
        [`cold start: spawn to first answer (median of ${coldStart.runs})`, `${fixed(coldStart.firstAnswerMs, 0)} ms`],
        [
          `upstream calls per code, ${report.dedupe.duplicates} concurrent duplicates x ${report.dedupe.codes} codes`,
          `${report.dedupe.minCalls}..${report.dedupe.maxCalls}`,
        ],
      ],
      markdown,
    ),
    '',
    heading('Targets (issues 5, 11 and 12)'),
    table(['verdict', 'target', 'measured'], verdictRows, markdown),
  ].join('\n');
}

export function renderText(report: BenchReport): string {
  return render(report, false);
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
