// Load generators, every request a distinct code, latency recorded per response with sub-millisecond precision
// (autocannon's own histogram keeps whole milliseconds, too coarse for a "within 2 ms" target).
// - runLoad: autocannon, closed loop, as fast as the server answers (throughput).
// - runAtRate: open loop, requests evenly spaced in time (latency at a fixed rate). autocannon's overallRate is
//   not that: each connection fires its share of the second back to back, then waits for the next second,
//   so it measures bursts at full saturation.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { postCode } from './client';
import { distinctCodes } from './codes';
import { REFERER, ROUTE_PATH } from './servers/common';

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationSeconds?: number;
  /** Stop after this many requests. */
  amount?: number;
}

export interface LoadResult {
  responses: number;
  non2xx: number;
  errors: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const nextCode = distinctCodes();

/** Response times in ms, grown as needed (a Float64Array keeps 1M samples in 8 MB). */
class LatencySamples {
  private samples = new Float64Array(1 << 16);
  private size = 0;

  add(ms: number): void {
    if (this.size === this.samples.length) {
      const bigger = new Float64Array(this.samples.length * 2);
      bigger.set(this.samples);
      this.samples = bigger;
    }
    this.samples[this.size++] = ms;
  }

  percentiles(...ps: number[]): number[] {
    const sorted = this.samples.slice(0, this.size).sort();
    return ps.map((p) => (this.size === 0 ? NaN : sorted[Math.min(this.size - 1, Math.ceil((p / 100) * this.size) - 1)]));
  }
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies = new LatencySamples();
  let responses = 0;
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    // autocannon validates keys that are present: leave unset ones out.
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.durationSeconds }),
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: ROUTE_PATH,
        headers: { 'content-type': 'application/json', referer: REFERER },
        setupRequest: (request) => ({ ...request, body: JSON.stringify({ code: nextCode() }) }),
      },
    ],
  };
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error: Error | null, done) => (error ? reject(error) : resolve(done)));
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      responses++;
      latencies.add(responseTime);
    });
  });
  const [p50Ms, p99Ms] = latencies.percentiles(50, 99);
  return {
    responses,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: result.duration,
    requestsPerSecond: responses / result.duration,
    p50Ms,
    p99Ms,
  };
}

export interface RateSpec {
  url: string;
  /** Requests per second, evenly spaced. */
  rate: number;
  durationSeconds: number;
  /** Keep-alive connections at most; requests beyond wait for a free one (and that wait counts as latency). */
  connections: number;
}

export async function runAtRate(spec: RateSpec): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
  const latencies = new LatencySamples();
  const total = Math.round(spec.rate * spec.durationSeconds);
  let sent = 0;
  let settled = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  try {
    await new Promise<void>((resolve) => {
      const fire = () => {
        const began = performance.now();
        postCode(spec.url, nextCode(), agent)
          .then(
            (answer) => {
              latencies.add(performance.now() - began);
              if (answer.status < 200 || answer.status >= 300) non2xx++;
            },
            () => errors++,
          )
          .finally(() => {
            if (++settled === total) resolve();
          });
      };
      // Send whatever is due by now (setTimeout wakes about every millisecond), never ahead of schedule.
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * spec.rate));
        while (sent < due) {
          sent++;
          fire();
        }
        if (sent < total) setTimeout(tick, 1);
      };
      tick();
    });
  } finally {
    agent.destroy();
  }
  const durationSeconds = (performance.now() - start) / 1000;
  const [p50Ms, p99Ms] = latencies.percentiles(50, 99);
  return { responses: settled - errors, non2xx, errors, durationSeconds, requestsPerSecond: (settled - errors) / durationSeconds, p50Ms, p99Ms };
}
