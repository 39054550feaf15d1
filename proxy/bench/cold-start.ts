// Cold start (issue 23): a fresh proxy process, spawn to listening and to its first answered exchange.
import { performance } from 'node:perf_hooks';
import { withChild, type ChildServer } from './child';
import { postCode } from './client';
import { distinctCodes } from './codes';
import type { BenchOptions } from './options';
import type { BenchReport } from './report';
import { median } from './stats';

/**
 * Spawn to listening and to the first answer, medians. Node reads NODE_EXTRA_CA_CERTS when it boots, before any code of
 * ours (60..90 ms for a system bundle of some 140 certificates on this VM, issue 23): the proxy is measured without the
 * runner's, as deployed (a deployment sets one only for an upstream with a private CA), and, when the runner has one,
 * again with it, printed beside.
 */
export async function measureColdStart(options: BenchOptions): Promise<BenchReport['coldStart']> {
  const nextCode = distinctCodes();
  const machineCa = process.env.NODE_EXTRA_CA_CERTS;
  const startAll = async (upstream: ChildServer, env: Record<string, string>) => {
    const listen: number[] = [];
    const firstAnswer: number[] = [];
    for (let run = 0; run < options.coldStarts; run++) {
      await withChild('proxy', { env: { BENCH_UPSTREAM_URL: upstream.url, ...env }, stdout: 'ignore' }, async (proxy) => {
        const answer = await postCode(proxy.url, nextCode());
        if (answer.status !== 200) throw new Error(`cold start: first answer was HTTP ${answer.status}`);
        firstAnswer.push(performance.now() - proxy.spawnedAt);
        listen.push(proxy.readyAt - proxy.spawnedAt);
      });
    }
    return { listenMs: median(listen), firstAnswerMs: median(firstAnswer) };
  };
  return withChild('upstream', {}, async (upstream) => {
    const asDeployed = await startAll(upstream, { NODE_EXTRA_CA_CERTS: '' }); // empty: Node reads no file
    const withMachineCa = machineCa ? { caFile: machineCa, ...(await startAll(upstream, {})) } : undefined;
    return { runs: options.coldStarts, ...asDeployed, withMachineCa };
  });
}
