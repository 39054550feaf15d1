// `--upstreams`: only the two upstreams of issue 21, the same proxy and memory store in front of the Authing sandbox and
// of the WeChat sandbox, back to back in each round (their order alternating). Reported per round and as medians:
// throughput, the proxy's CPU µs per request and the upstream sandbox's, and the WeChat / Authing ratio both in
// throughput and in requests per proxy CPU second. On a shared 2-core machine the load generator, the proxy and the
// sandbox share the cores, so throughput also moves with the sandbox's own cost; per proxy CPU second it does not.
import type { TargetFigures } from './report';
import { spread, type Spread } from './stats';

export interface UpstreamPair {
  authing: TargetFigures;
  wechat: TargetFigures;
}

const perCpuSecond = (target: TargetFigures): number => 1e6 / target.cpuMicrosPerRequest;
const text = ({ median, min, max }: Spread, digits: number): string => `${median.toFixed(digits)} (${min.toFixed(digits)}..${max.toFixed(digits)})`;

/** The pair's ratios, WeChat over Authing: throughput, and requests per proxy CPU second. */
export function pairRatios(pair: UpstreamPair): { throughput: number; perCpuSecond: number } {
  return {
    throughput: pair.wechat.throughput.requestsPerSecond / pair.authing.throughput.requestsPerSecond,
    perCpuSecond: perCpuSecond(pair.wechat) / perCpuSecond(pair.authing),
  };
}

export function renderUpstreamPairs(pairs: UpstreamPair[]): string {
  const rows = pairs.map((pair, index) => {
    const { authing, wechat } = pair;
    const ratios = pairRatios(pair);
    return [
      index + 1,
      Math.round(authing.throughput.requestsPerSecond),
      Math.round(wechat.throughput.requestsPerSecond),
      Math.round(authing.cpuMicrosPerRequest),
      Math.round(wechat.cpuMicrosPerRequest),
      Math.round(authing.upstreamCpuMicrosPerRequest ?? NaN),
      Math.round(wechat.upstreamCpuMicrosPerRequest ?? NaN),
      ratios.throughput.toFixed(2),
      ratios.perCpuSecond.toFixed(2),
    ].join(' | ');
  });
  const of = (pick: (pair: UpstreamPair) => number, digits = 2) => text(spread(pairs.map(pick)), digits);
  return [
    '| round | Authing req/s | WeChat req/s | proxy CPU µs/req, Authing | proxy CPU µs/req, WeChat | sandbox CPU µs/req, Authing | sandbox CPU µs/req, WeChat | WeChat/Authing throughput | WeChat/Authing per proxy CPU second |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
    '',
    `WeChat upstream / Authing upstream (same proxy, memory store), median (min..max) of ${pairs.length} rounds:`,
    `  throughput:              ${of((pair) => pairRatios(pair).throughput)}`,
    `  per proxy CPU second:    ${of((pair) => pairRatios(pair).perCpuSecond)}`,
    `  proxy CPU µs/req:        Authing ${of((pair) => pair.authing.cpuMicrosPerRequest, 0)}, WeChat ${of((pair) => pair.wechat.cpuMicrosPerRequest, 0)}`,
    `  sandbox CPU µs/req:      Authing ${of((pair) => pair.authing.upstreamCpuMicrosPerRequest ?? NaN, 0)}, WeChat ${of((pair) => pair.wechat.upstreamCpuMicrosPerRequest ?? NaN, 0)}`,
  ].join('\n');
}
