// The bench's targets (issue 23's table, which replaced the p99-at-1000-req/s ones of issues 5 and 11 with figures that
// hold still on a 2-core machine; issue 5's proxy/express+axios and issue 12's one upstream call per code stay) and the
// figures paired within each round that they judge.
import { megabytes } from './memory';
import type { LoadResult } from './load';
import { totalCommands } from './redis-commands';
import { DEFAULT_STORE_ENTRIES } from './servers/common';
import type { BenchReport, TargetFigures } from './report';
import { spread, type Spread } from './stats';

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

export const TARGETS = ['floor', 'express', 'proxy', 'proxyRedis', 'signing'] as const;
export type TargetKey = (typeof TARGETS)[number];

/** Requests per server CPU second: floor/proxy over the whole target. */
const PROXY_PER_CPU = 0.75;
const PROXY_PER_CPU_STRETCH = 0.85;
const SIGNING_PER_CPU = 0.8;
const REDIS_THROUGHPUT = 0.8;
const REDIS_ROUND_TRIPS = 2;
const P50_PROXY_MS = 0.5;
const P50_REDIS_MS = 1;
const RSS_MARGIN_MB = 25;
const COLD_START_MS = 150;

export const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const mb = (bytes: number): string => `${fixed(megabytes(bytes), 1)} MB`;
/** "median (min..max)": `..` because a range of differences can be negative. */
export const spreadText = ({ median, min, max }: Spread, format: (value: number) => string): string =>
  `${format(median)} (${format(min)}..${format(max)})`;

export interface Comparisons {
  toFloor: number[];
  cpuToFloor: number[];
  toExpress: number[];
  p50Diff: number[];
  p99Diff: number[];
  redisToMemory: number[];
  redisCpu: number[];
  redisP50Diff: number[];
  redisP99Diff: number[];
  signingToPlain: number[];
  signingCpu: number[];
}

/** Paired per round (same machine state for both sides): what the verdicts judge, by their median. */
export function comparisons(report: BenchReport): Comparisons {
  const rounds = report.rounds;
  const rps = (target: TargetFigures) => target.throughput.requestsPerSecond;
  const cpu = (target: TargetFigures) => target.cpuMicrosPerRequest;
  const at = (target: TargetFigures, pick: (run: LoadResult) => number) => (target.fixedRate ? pick(target.fixedRate) : NaN);
  const [p50, p99] = [(run: LoadResult) => run.p50Ms, (run: LoadResult) => run.p99Ms];
  return {
    toFloor: rounds.map((round) => rps(round.proxy) / rps(round.floor)),
    // What the throughput ratio would be if each server had a core of its own.
    cpuToFloor: rounds.map((round) => cpu(round.floor) / cpu(round.proxy)),
    toExpress: rounds.map((round) => rps(round.proxy) / rps(round.express)),
    p50Diff: rounds.map((round) => at(round.proxy, p50) - at(round.floor, p50)),
    p99Diff: rounds.map((round) => at(round.proxy, p99) - at(round.floor, p99)),
    redisToMemory: rounds.map((round) => rps(round.proxyRedis) / rps(round.proxy)),
    redisCpu: rounds.map((round) => cpu(round.proxy) / cpu(round.proxyRedis)),
    redisP50Diff: rounds.map((round) => at(round.proxyRedis, p50) - at(round.proxy, p50)),
    redisP99Diff: rounds.map((round) => at(round.proxyRedis, p99) - at(round.proxy, p99)),
    signingToPlain: rounds.map((round) => rps(round.signing) / rps(round.proxy)),
    // What signing costs the server itself.
    signingCpu: rounds.map((round) => cpu(round.proxy) / cpu(round.signing)),
  };
}

/** Every load run of the report: a verdict needs them all answered 200, or it measured errors. */
function failedRuns(report: BenchReport): string[] {
  const runs: Array<[string, LoadResult]> = [];
  report.rounds.forEach((round, i) => {
    for (const target of TARGETS.map((key) => round[key])) {
      runs.push([`${target.label} (round ${i + 1})`, target.throughput]);
      if (target.fixedRate) runs.push([`${target.label} (round ${i + 1}, fixed rate)`, target.fixedRate]);
    }
  });
  const failed = runs
    .filter(([, run]) => run.non2xx > 0 || run.errors > 0)
    .map(([name, run]) => `${name}: ${run.non2xx} non-2xx, ${run.errors} errors`);
  return [...failed, ...memoryPhaseSurprises(report)];
}

/** The memory phase fills the store at its default bound: the codes it had room for answered 200, every later one refused. */
function memoryPhaseSurprises({ memory, options }: BenchReport): string[] {
  const sum = (pick: (run: LoadResult) => number) => memory.loads.reduce((total, run) => total + pick(run), 0);
  const [answered, errors] = [sum((run) => run.responses - run.non2xx), sum((run) => run.errors)];
  const expected = Math.min(memory.storeRoom, options.memoryRequests);
  if (answered === expected && errors === 0 && sum((run) => run.responses) === options.memoryRequests) return [];
  return [`memory phase: ${answered} answered 200 (expected ${expected}, the store's room), ${sum((run) => run.non2xx)} non-2xx, ${errors} errors`];
}

export function verdicts(report: BenchReport): Verdict[] {
  const { memory, dedupe, options, redisCommands, coldStart } = report;
  const c = comparisons(report);
  const [cpuRatio, signingCpu, redisRatio, expressRatio] = [spread(c.cpuToFloor), spread(c.signingCpu), spread(c.redisToMemory), spread(c.toExpress)];
  const [p50Proxy, p50Redis] = [spread(c.p50Diff), spread(c.redisP50Diff)];
  const ratio = (value: Spread) => spreadText(value, (x) => `${fixed(x)}x`);
  const ms = (value: Spread) => spreadText(value, (x) => `${fixed(x)} ms`);
  const rate = `${fixed(options.rateShare * 100, 0)}% of the memory proxy's capacity`;
  const rssBudgetBytes = memory.floorRssBytes + RSS_MARGIN_MB * 2 ** 20;
  const failed = failedRuns(report);
  const perExchange = Object.entries(redisCommands.commands)
    .filter(([, calls]) => calls >= 0.005)
    .map(([name, calls]) => `${name} ${fixed(calls)}`)
    .join(', ');
  return [
    {
      target: 'every load request answered 200 (the memory phase: until its store was full, then 503)',
      measured: failed.length === 0 ? 'yes' : failed.join('; '),
      pass: failed.length === 0,
    },
    {
      target: `requests per server CPU second, proxy (memory store) / floor >= ${PROXY_PER_CPU}x (stretch ${PROXY_PER_CPU_STRETCH}x)`,
      measured: `${ratio(cpuRatio)}${cpuRatio.median >= PROXY_PER_CPU_STRETCH ? ', stretch met' : ''}`,
      pass: cpuRatio.median >= PROXY_PER_CPU,
    },
    {
      target: `requests per server CPU second, signing on / off (ES256) >= ${SIGNING_PER_CPU}x`,
      measured: ratio(signingCpu),
      pass: signingCpu.median >= SIGNING_PER_CPU,
    },
    {
      target: `throughput, Redis store / memory store >= ${REDIS_THROUGHPUT}x`,
      measured: ratio(redisRatio),
      pass: redisRatio.median >= REDIS_THROUGHPUT,
    },
    {
      target: `Redis round trips per exchange (redis-server's reads, ${redisCommands.exchanges} distinct codes one at a time, rate limit included) <= ${REDIS_ROUND_TRIPS}`,
      measured: `${fixed(redisCommands.roundTrips)}; commands per exchange (commandstats, scripts' included): ${fixed(totalCommands(redisCommands))} (${perExchange})`,
      pass: redisCommands.roundTrips <= REDIS_ROUND_TRIPS,
    },
    { target: `p50 at ${rate}: proxy - floor <= ${P50_PROXY_MS} ms`, measured: ms(p50Proxy), pass: p50Proxy.median <= P50_PROXY_MS },
    { target: `p50 at ${rate}: Redis store - memory store <= ${P50_REDIS_MS} ms`, measured: ms(p50Redis), pass: p50Redis.median <= P50_REDIS_MS },
    {
      target: `RSS after ${options.memoryRequests} distinct codes, the memory store at its default bound (${DEFAULT_STORE_ENTRIES} answers, full after ${memory.storeRoom} codes), <= floor's RSS + ${RSS_MARGIN_MB} MB (same run)`,
      measured: `${mb(memory.rssBytes)} vs floor ${mb(memory.floorRssBytes)} + ${RSS_MARGIN_MB} MB = ${mb(rssBudgetBytes)} (peak ${mb(memory.peakRssBytes)})`,
      pass: memory.rssBytes <= rssBudgetBytes,
    },
    {
      target: `cold start, spawn to first answer <= ${COLD_START_MS} ms (median of ${coldStart.runs}; without the machine's NODE_EXTRA_CA_CERTS)`,
      measured:
        `${fixed(coldStart.firstAnswerMs, 0)} ms (listening after ${fixed(coldStart.listenMs, 0)} ms)` +
        (coldStart.withMachineCa ? `; with it ${fixed(coldStart.withMachineCa.firstAnswerMs, 0)} ms` : ''),
      pass: coldStart.firstAnswerMs <= COLD_START_MS,
    },
    { target: 'throughput proxy/express+axios >= 2x (issue 5)', measured: ratio(expressRatio), pass: expressRatio.median >= 2 },
    {
      target: `upstream calls per code, ${dedupe.duplicates} concurrent duplicates = 1 (issue 12)`,
      measured: dedupe.allAnswered
        ? `${dedupe.minCalls}..${dedupe.maxCalls} over ${dedupe.codes} codes`
        : 'some duplicates were not answered 200 alike',
      pass: dedupe.allAnswered && dedupe.minCalls === 1 && dedupe.maxCalls === 1,
    },
  ];
}
