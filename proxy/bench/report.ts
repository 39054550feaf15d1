// The bench's figures, its verdicts against issue 5's targets, and their rendering as a console table or as
// the generated part of RESULTS.md.
import fs from 'node:fs';
import os from 'node:os';
import type { LoadResult } from './load';
import { megabytes } from './memory';
import type { BenchOptions } from './options';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  date: string;
}

export interface TargetFigures {
  label: string;
  throughput: LoadResult;
  peakRssBytes: number;
  /** The fixed-rate latency run (floor and proxy only). */
  fixedRate?: LoadResult;
  /** Proxy only: log lines written over the whole phase (warm-up included). */
  logLines?: number;
}

export interface BenchReport {
  machine: MachineInfo;
  options: BenchOptions;
  floor: TargetFigures;
  express: TargetFigures;
  proxy: TargetFigures;
  memory: {
    /** The distinct-code load, in two runs (the live heap is read between them). */
    loads: LoadResult[];
    rssBytes: number;
    peakRssBytes: number;
    earlyRequests: number;
    liveHeapEarlyBytes: number;
    liveHeapBytes: number;
  };
  coldStart: { runs: number; listenMs: number; firstAnswerMs: number };
  dedupe: { codes: number; duplicates: number; minCalls: number; maxCalls: number; allAnswered: boolean };
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

/** Every load run of the report: a verdict needs them all answered 200, or it measured errors. */
function loadRuns(report: BenchReport): Array<[string, LoadResult]> {
  const runs: Array<[string, LoadResult]> = [
    [report.floor.label, report.floor.throughput],
    [report.express.label, report.express.throughput],
    [report.proxy.label, report.proxy.throughput],
    ...report.memory.loads.map((run, i): [string, LoadResult] => [`${report.proxy.label} (memory run ${i + 1})`, run]),
  ];
  if (report.floor.fixedRate) runs.push([`${report.floor.label} (fixed rate)`, report.floor.fixedRate]);
  if (report.proxy.fixedRate) runs.push([`${report.proxy.label} (fixed rate)`, report.proxy.fixedRate]);
  return runs;
}

export function verdicts(report: BenchReport): Verdict[] {
  const { floor, express, proxy, memory, dedupe, options } = report;
  const toFloor = proxy.throughput.requestsPerSecond / floor.throughput.requestsPerSecond;
  const toExpress = proxy.throughput.requestsPerSecond / express.throughput.requestsPerSecond;
  const p99Diff = (proxy.fixedRate?.p99Ms ?? NaN) - (floor.fixedRate?.p99Ms ?? NaN);
  const failed = loadRuns(report).filter(([, run]) => run.non2xx > 0 || run.errors > 0);
  return [
    {
      target: 'every load request answered 200',
      measured: failed.length === 0 ? 'yes' : failed.map(([name, run]) => `${name}: ${run.non2xx} non-2xx, ${run.errors} errors`).join('; '),
      pass: failed.length === 0,
    },
    { target: 'throughput proxy/floor >= 70%', measured: `${fixed(toFloor * 100, 1)}%`, pass: toFloor >= 0.7 },
    { target: 'throughput proxy/express+axios >= 2x', measured: `${fixed(toExpress)}x`, pass: toExpress >= 2 },
    {
      target: `p99 at ${options.rate} req/s: proxy - floor <= 2 ms`,
      measured: `${fixed(p99Diff)} ms`,
      pass: p99Diff <= 2,
    },
    {
      target: `RSS after ${options.memoryRequests} distinct codes < 100 MB`,
      measured: `${mb(memory.rssBytes)} (peak ${mb(memory.peakRssBytes)})`,
      pass: megabytes(memory.rssBytes) < 100,
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
  const { machine, options, floor, express, proxy, coldStart } = report;
  const heading = (text: string) => (markdown ? `### ${text}` : `== ${text}`);
  const throughputRows = [floor, express, proxy].map((target) => [
    target.label,
    fixed(target.throughput.requestsPerSecond, 0),
    fixed(target.throughput.p50Ms),
    fixed(target.throughput.p99Ms),
    mb(target.peakRssBytes),
    String(target.throughput.responses),
  ]);
  const fixedRows = [floor, proxy].map((target) => [
    target.label,
    fixed(target.fixedRate?.requestsPerSecond ?? NaN, 0),
    fixed(target.fixedRate?.p50Ms ?? NaN),
    fixed(target.fixedRate?.p99Ms ?? NaN),
  ]);
  const verdictRows = verdicts(report).map((verdict) => [verdict.pass ? 'PASS' : 'MISS', verdict.target, verdict.measured]);
  return [
    heading('Machine'),
    `${machine.cpus} CPUs, ${machine.cpuModel}, ${machine.memoryGb} GB RAM; Node ${machine.node}; ${machine.os}; ${machine.date}`,
    `Load: autocannon, ${options.connections} connections, ${options.warmupSeconds} s warm-up + ${options.durationSeconds} s per target, ` +
      'every request a distinct code; each server and the upstream (Authing sandbox) in its own process.',
    '',
    heading('Throughput (unlimited rate)'),
    table(['target', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS', 'requests'], throughputRows, markdown),
    '',
    heading(`Latency at a fixed ${options.rate} req/s, evenly spaced (${options.rateSeconds} s, open loop)`),
    table(['target', 'req/s', 'p50 ms', 'p99 ms'], fixedRows, markdown),
    '',
    heading('Proxy alone'),
    table(
      ['figure', 'value'],
      [
        ['ratio proxy/floor (req/s)', fixed(proxy.throughput.requestsPerSecond / floor.throughput.requestsPerSecond)],
        ['ratio proxy/express+axios (req/s)', fixed(proxy.throughput.requestsPerSecond / express.throughput.requestsPerSecond)],
        [`info log lines written during its throughput phase`, String(proxy.logLines ?? 'n/a')],
        [`RSS after ${options.memoryRequests} distinct codes`, mb(report.memory.rssBytes)],
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
    heading('Targets (issue 5)'),
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
