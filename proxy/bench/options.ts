// Bench settings: flags win over environment variables, which win over defaults sized for a 2-core machine.
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Concurrent connections of the load generator. */
  connections: number;
  /** Rounds of the throughput and fixed-rate phases; each round runs proxy, floor, express+axios, proxy on Redis, proxy signing in turn. */
  rounds: number;
  /** Seconds of unmeasured load before each throughput run (every round). */
  warmupSeconds: number;
  /** Seconds of each measured throughput run (every round). */
  durationSeconds: number;
  /** The fixed-rate latency run's rate (evenly spaced, open loop), as a share of the memory proxy's throughput in the same round. */
  rateShare: number;
  /** Seconds of each fixed-rate latency run (every round). */
  rateSeconds: number;
  /** Distinct codes sent before the proxy's memory is read. */
  memoryRequests: number;
  /** How many times the proxy is cold-started (the median is reported). */
  coldStarts: number;
  /** Distinct codes, one at a time, over which redis-server counts its commands and reads. */
  redisExchanges: number;
  /** Write bench/RESULTS.md. */
  write: boolean;
  /** Write a CPU profile of the proxy (node --cpu-prof) into bench/profiles/. */
  cpuProfile: boolean;
  /** Only the proxy in front of Authing and of WeChat, each round (issue 21's ratio). */
  upstreamsOnly: boolean;
}

const NUMBERS = {
  connections: { flag: 'connections', env: 'BENCH_CONNECTIONS', fallback: 50 },
  rounds: { flag: 'rounds', env: 'BENCH_ROUNDS', fallback: 3 },
  warmupSeconds: { flag: 'warmup', env: 'BENCH_WARMUP', fallback: 2 },
  durationSeconds: { flag: 'duration', env: 'BENCH_DURATION', fallback: 5 },
  rateShare: { flag: 'rate-share', env: 'BENCH_RATE_SHARE', fallback: 0.4 },
  rateSeconds: { flag: 'rate-duration', env: 'BENCH_RATE_DURATION', fallback: 5 },
  memoryRequests: { flag: 'memory-requests', env: 'BENCH_MEMORY_REQUESTS', fallback: 100_000 },
  coldStarts: { flag: 'cold-starts', env: 'BENCH_COLD_STARTS', fallback: 3 },
  redisExchanges: { flag: 'redis-exchanges', env: 'BENCH_REDIS_EXCHANGES', fallback: 1000 },
} as const;

type NumberKey = keyof typeof NUMBERS;

/** --quick: enough to see that every phase runs, not figures to record. */
const QUICK: Record<NumberKey, number> = {
  connections: 50,
  rounds: 1,
  warmupSeconds: 1,
  durationSeconds: 2,
  rateShare: 0.4,
  rateSeconds: 2,
  memoryRequests: 5000,
  coldStarts: 1,
  redisExchanges: 200,
};

export const USAGE = `Usage: npm run bench -w miniprogram-phone-proxy [-- options]
${Object.values(NUMBERS)
  .map(({ flag, env, fallback }) => `  --${flag}=N`.padEnd(26) + `(env ${env}, default ${fallback})`)
  .join('\n')}
  --quick                 a smoke run (1 round, 1 s warm-up, 2 s runs, 5000 codes, 1 cold start); flags still win
  --write                 also write bench/RESULTS.md
  --cpu-prof              write a CPU profile of the proxy into bench/profiles/
  --upstreams             only the proxy in front of the Authing and the WeChat sandbox, each round (issue 21)`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = Object.fromEntries(Object.values(NUMBERS).map(({ flag }) => [flag, { type: 'string' as const }]));
  const { values } = parseArgs({
    args: argv,
    options: {
      ...flags,
      quick: { type: 'boolean' },
      write: { type: 'boolean' },
      'cpu-prof': { type: 'boolean' },
      upstreams: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (key: NumberKey): number => {
    const { flag, env: name, fallback } = NUMBERS[key];
    const raw = (values as Record<string, string | undefined>)[flag] ?? env[name];
    if (raw === undefined || raw === '') return values.quick ? QUICK[key] : fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} / ${name} must be a positive number, got "${raw}"`);
    return value;
  };
  return {
    connections: Math.round(number('connections')),
    rounds: Math.round(number('rounds')),
    warmupSeconds: number('warmupSeconds'),
    durationSeconds: number('durationSeconds'),
    rateShare: number('rateShare'),
    rateSeconds: number('rateSeconds'),
    memoryRequests: Math.round(number('memoryRequests')),
    coldStarts: Math.round(number('coldStarts')),
    redisExchanges: Math.round(number('redisExchanges')),
    write: values.write === true,
    cpuProfile: values['cpu-prof'] === true,
    upstreamsOnly: values.upstreams === true,
  };
}
