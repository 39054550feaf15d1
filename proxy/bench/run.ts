// `npm run bench`: floor vs Express+axios vs miniprogram-phone-proxy (memory store, then Redis store on a local
// redis-server) against a local Authing sandbox.
// Throughput and fixed-rate latency run in interleaved rounds (proxy, floor, express+axios, proxy on Redis...) so that a
// slow or fast stretch of the machine hits every target alike; the report gives medians and ranges.
// Prints a table and PASS/MISS per target (targets.ts: issue 23's table); --write also updates bench/RESULTS.md.
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { withChild, type ChildServer, type ServerScript, type StartOptions } from './child';
import { measureColdStart } from './cold-start';
import { postCode } from './client';
import { distinctCodes } from './codes';
import { runAtRate, runLoad } from './load';
import { withLogFile } from './log-file';
import { parseOptions, type BenchOptions } from './options';
import { profileFile, profileFlags } from './profile';
import { measureRedisCommands, type RedisCommandFigures } from './redis-commands';
import {
  describeMachine,
  renderProfiles,
  renderText,
  verdicts,
  writeResults,
  type BenchReport,
  type RoundFigures,
  type TargetFigures,
} from './report';
import { median } from './stats';
import { DEFAULT_STORE_ENTRIES } from './servers/common';
import { pairRatios, renderUpstreamPairs, type UpstreamPair } from './upstream-pair';
import { hasRedisServer, INSTALL_HINT, startRedis, type RedisServer } from '../test/redis/redis-server';

/** bench/ in the source tree (this file runs from bench/.build/bench/). */
const BENCH_DIR = path.resolve(__dirname, '..', '..');

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const PROFILES_DIR = path.join(BENCH_DIR, 'profiles');
let profiles = 0;

/** How a server under test starts: the upstream it calls; the proxy also gets its log file; with --cpu-prof, a profiler. */
function serverOptions(
  script: ServerScript,
  upstream: ChildServer,
  options: BenchOptions,
  stdout: number,
  execArgv: string[],
  env: Record<string, string>,
): StartOptions & { profile?: string } {
  const name = `${script}-${process.pid}-${profiles++}`;
  const profile = options.cpuProfile && (script === 'proxy' || script === 'floor') ? profileFile(PROFILES_DIR, name) : undefined;
  return {
    profile,
    env: { BENCH_UPSTREAM_URL: upstream.url, ...env },
    execArgv: [...execArgv, ...(profile ? profileFlags(PROFILES_DIR, name) : [])],
    stdout: script === 'proxy' ? stdout : 'ignore',
  };
}

/**
 * A fresh upstream and a fresh server under test for each phase, so no phase inherits another's state.
 * The proxy logs to a temporary file: `logLines` proves its info logging really ran.
 */
async function withServer<T>(
  script: ServerScript,
  options: BenchOptions,
  use: (server: ChildServer, upstream: ChildServer) => Promise<T>,
  execArgv: string[] = [],
  env: Record<string, string> = {},
): Promise<{ result: T; logLines: number; profile?: string }> {
  let profile: string | undefined;
  // The upstream's child reads BENCH_UPSTREAM too: the Authing sandbox, or the WeChat one.
  const ran = await withChild('upstream', { env }, (upstream) =>
    withLogFile((fd) => {
      const start = serverOptions(script, upstream, options, fd, execArgv, env);
      profile = start.profile;
      return withChild(script, start, (server) => use(server, upstream));
    }),
  );
  return { ...ran, profile }; // written when the server exited
}

/** The throughput run, then (when a rate is given, or computed from that throughput) the fixed-rate run, in one process. */
async function measureTarget(
  script: ServerScript,
  label: string,
  options: BenchOptions,
  rate: number | ((throughput: number) => number) | undefined,
  env: Record<string, string> = {},
): Promise<TargetFigures> {
  progress(
    `${label}: warm-up ${options.warmupSeconds} s, then ${options.durationSeconds} s${rate ? ` + ${options.rateSeconds} s at a fixed rate` : ''}`,
  );
  const { result, logLines, profile } = await withServer(
    script,
    options,
    async (server, upstream) => {
      const load = { url: server.url, connections: options.connections };
      if (env.BENCH_SIGNING && !(await postCode(server.url, distinctCodes()())).body.includes('"assertion":"ey')) {
        throw new Error(`${label} answered without an assertion`);
      }
      await runLoad({ ...load, durationSeconds: options.warmupSeconds });
      const [cpuBefore, upstreamCpuBefore] = [server.cpuMicros(), upstream.cpuMicros()];
      const throughput = await runLoad({ ...load, durationSeconds: options.durationSeconds });
      const cpuMicrosPerRequest = (server.cpuMicros() - cpuBefore) / throughput.responses;
      const upstreamCpuMicrosPerRequest = (upstream.cpuMicros() - upstreamCpuBefore) / throughput.responses;
      const fixedRate = typeof rate === 'function' ? rate(throughput.requestsPerSecond) : rate;
      const rated = fixedRate ? await runAtRate({ ...load, durationSeconds: options.rateSeconds, rate: fixedRate }) : undefined;
      return { label, throughput, cpuMicrosPerRequest, upstreamCpuMicrosPerRequest, fixedRate: rated, peakRssBytes: server.memory().peakRssBytes };
    },
    [],
    env,
  );
  return { ...result, ...(script === 'proxy' ? { logLines } : {}), ...(profile ? { profile } : {}) };
}

/** N codes, each sent by `duplicates` concurrent requests: the upstream must see each code once. */
async function measureDedupe(proxy: ChildServer, upstream: ChildServer, codes: number, duplicates: number): Promise<BenchReport['dedupe']> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: duplicates });
  const nextCode = distinctCodes();
  const calls: number[] = [];
  let allAnswered = true;
  try {
    for (let i = 0; i < codes; i++) {
      const code = nextCode();
      const answers = await Promise.all(Array.from({ length: duplicates }, () => postCode(proxy.url, code, agent)));
      const phones = new Set(answers.map((answer) => (JSON.parse(answer.body) as { data?: { phoneNumber?: string } }).data?.phoneNumber));
      allAnswered &&= answers.every((answer) => answer.status === 200) && phones.size === 1;
      calls.push(await upstream.callsFor(code));
    }
  } finally {
    agent.destroy();
  }
  return { codes, duplicates, minCalls: Math.min(...calls), maxCalls: Math.max(...calls), allAnswered };
}

/**
 * RSS after `memoryRequests` distinct codes, and the live heap (after a full GC) at a fifth of them and at the end, with
 * the memory store at its default bound (DEFAULT_STORE_ENTRIES): it fills, then refuses new codes (503, nothing sent), and
 * its live heap stops growing. The de-duplication check runs first, while the store has room.
 */
async function measureMemoryAndDedupe(options: BenchOptions): Promise<Pick<BenchReport, 'memory' | 'dedupe'>> {
  progress(`proxy: ${options.memoryRequests} distinct codes, then de-duplication`);
  const early = Math.round(options.memoryRequests / 5);
  const { result } = await withServer(
    'proxy',
    options,
    async (proxy, upstream) => {
      const dedupe = await measureDedupe(proxy, upstream, 20, 50);
      const load = { url: proxy.url, connections: options.connections };
      const first = await runLoad({ ...load, amount: early });
      const liveHeapEarlyBytes = await proxy.liveHeap();
      const rest = await runLoad({ ...load, amount: options.memoryRequests - early });
      const { rssBytes, peakRssBytes } = proxy.memory(); // before our GC: what the process holds
      const liveHeapBytes = await proxy.liveHeap();
      // Every code but the dedupe check's until the store is full; the rest refused.
      const storeRoom = Math.max(0, DEFAULT_STORE_ENTRIES - dedupe.codes);
      const memory = { loads: [first, rest], storeRoom, rssBytes, peakRssBytes, earlyRequests: early, liveHeapEarlyBytes, liveHeapBytes };
      return { memory, dedupe };
    },
    ['--expose-gc'],
    { BENCH_DEFAULT_STORE: '1' },
  );
  // The floor under the same distinct-code load, in the same run: the RSS target is relative to it. It gets the same
  // --expose-gc and the same forced GC at a fifth of the codes as the proxy, so both are measured alike.
  const { result: floorRssBytes } = await withServer(
    'floor',
    options,
    async (floor) => {
      const load = { url: floor.url, connections: options.connections };
      await runLoad({ ...load, amount: early });
      await floor.liveHeap();
      await runLoad({ ...load, amount: options.memoryRequests - early });
      return floor.memory().rssBytes;
    },
    ['--expose-gc'],
  );
  return { ...result, memory: { ...result.memory, floorRssBytes } };
}

async function measureRound(options: BenchOptions, round: number, redis: RedisServer): Promise<RoundFigures> {
  progress(`round ${round} of ${options.rounds}`);
  // The memory proxy first: the round's fixed rate is a share of its throughput (issue 23), the same for floor and Redis.
  let rate = NaN;
  const proxy = await measureTarget(
    'proxy',
    '3 miniprogram-phone-proxy',
    options,
    (throughput) => (rate = Math.round(throughput * options.rateShare)),
  );
  const floor = await measureTarget('floor', '1 floor (node:http)', options, rate);
  const express = await measureTarget('express-axios', '2 express+axios', options, undefined);
  // A key prefix per round: no round meets another's codes.
  const redisEnv = { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: `bench-${round}:` };
  const proxyRedis = await measureTarget('proxy', '4 proxy on Redis store', options, rate, redisEnv);
  const signing = await measureTarget('proxy', '5 proxy signing assertions', options, undefined, { BENCH_SIGNING: '1' });
  // The same proxy and store with WeChat's own phone API (its sandbox, stable_token included) as the upstream.
  const wechat = await measureTarget('proxy', '6 proxy, WeChat upstream', options, undefined, { BENCH_UPSTREAM: 'wechat' });
  return { rate, floor, express, proxy, proxyRedis, signing, wechat };
}

/** --upstreams: the proxy in front of Authing, then of WeChat (the order alternating by round), nothing else. */
async function measureUpstreamPairs(options: BenchOptions): Promise<void> {
  const pairs: UpstreamPair[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    progress(`round ${round} of ${options.rounds}`);
    const authing = () => measureTarget('proxy', '3 miniprogram-phone-proxy', options, undefined);
    const wechat = () => measureTarget('proxy', '6 proxy, WeChat upstream', options, undefined, { BENCH_UPSTREAM: 'wechat' });
    if (round % 2 === 1) pairs.push({ authing: await authing(), wechat: await wechat() });
    else {
      const second = await wechat();
      pairs.push({ authing: await authing(), wechat: second });
    }
  }
  console.log(renderUpstreamPairs(pairs));
  if (options.cpuProfile) {
    for (const [index, { authing, wechat }] of pairs.entries())
      console.log(`round ${index + 1} profiles: Authing ${authing.profile ?? '-'}, WeChat ${wechat.profile ?? '-'}`);
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.upstreamsOnly) return measureUpstreamPairs(options);
  if (!hasRedisServer()) throw new Error(`the bench measures the Redis store on a local redis-server: ${INSTALL_HINT}`);
  const redis = await startRedis();
  const rounds: RoundFigures[] = [];
  let redisCommands: RedisCommandFigures;
  try {
    for (let round = 1; round <= options.rounds; round++) rounds.push(await measureRound(options, round, redis));
    progress(`proxy on Redis store: redis-server's counters over ${options.redisExchanges} distinct codes, one at a time`);
    const redisEnv = { BENCH_REDIS_URL: redis.url, BENCH_REDIS_PREFIX: 'bench-commands:' };
    ({ result: redisCommands } = await withServer(
      'proxy',
      options,
      (proxy) => measureRedisCommands(redis.url, proxy, options.redisExchanges),
      [],
      redisEnv,
    ));
  } finally {
    await redis.close();
  }
  const { memory, dedupe } = await measureMemoryAndDedupe(options);
  progress(`cold start x${options.coldStarts}`);
  const coldStart = await measureColdStart(options);
  const elapsedSeconds = (performance.now() - started) / 1000;
  const report: BenchReport = { machine: describeMachine(), options, rounds, memory, dedupe, coldStart, redisCommands, elapsedSeconds };
  console.log(renderText(report));
  const ratios = rounds.map((round) => pairRatios({ authing: round.proxy, wechat: round.wechat }));
  console.log(
    `WeChat upstream / Authing upstream (same proxy, memory store), median of ${rounds.length} rounds: throughput ` +
      `${median(ratios.map((ratio) => ratio.throughput)).toFixed(2)}, per proxy CPU second ${median(ratios.map((ratio) => ratio.perCpuSecond)).toFixed(2)}`,
  );
  if (options.cpuProfile) console.log(renderProfiles(report));
  if (options.write) {
    const file = path.join(BENCH_DIR, 'RESULTS.md');
    writeResults(file, report);
    progress(`wrote ${path.relative(process.cwd(), file)}`);
  }
  if (verdicts(report).some((verdict) => !verdict.pass)) progress('some targets were missed (see MISS above)');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
