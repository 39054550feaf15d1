// The burst reproduction of issue 18, bounded and on loopback: N concurrent distinct codes through the real proxy against
// the sandbox answering after a latency, then, once the proxy had time to hear late answers, one retry of every code
// that did not get its phone. Prints what the burst answered, what the retries got, and which codes the upstream saw twice.
// Run: npx tsx bench/burst.ts [--codes 300] [--latency 1500] [--timeout 2000] [--grace-wait 3000]
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startProxy } from '../src/index';
import { startSandbox } from '../src/sandbox';

const { values } = parseArgs({
  options: {
    codes: { type: 'string', default: '300' },
    latency: { type: 'string', default: '1500' },
    timeout: { type: 'string', default: '2000' },
    'grace-wait': { type: 'string', default: '3000' },
  },
});
const CODES = Number(values.codes);
const LATENCY_MS = Number(values.latency);
const TIMEOUT_MS = Number(values.timeout);
/** How long after the burst the retries wait: late answers come in within the latency. */
const GRACE_WAIT_MS = Number(values['grace-wait']);
/** The whole run's bound: it never hangs. */
const RUN_LIMIT_MS = 120_000;

function post(url: string, code: string, agent: http.Agent): Promise<{ status: number; error?: string }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ code });
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const parsed = JSON.parse(text) as { error?: string };
          resolve({ status: response.statusCode ?? 0, error: parsed.error });
        });
      },
    );
    request.on('error', (error) => resolve({ status: 0, error: error.message }));
    request.end(body);
  });
}

const tally = (answers: Array<{ status: number }>): Record<number, number> =>
  answers.reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

async function main(): Promise<void> {
  const sandbox = await startSandbox({ appId: 'burst-app' });
  const proxy = await startProxy({
    host: '127.0.0.1',
    port: 0,
    rateLimit: false,
    logger: false,
    upstreamTimeoutMs: TIMEOUT_MS,
    authing: { appHost: sandbox.url, appId: 'burst-app', extIdpConnidentifier: 'wechat-miniprogram-sandbox' },
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const url = `${proxy.url}/phone`;
  try {
    sandbox.inject({ kind: 'latency', ms: LATENCY_MS }, { times: CODES });
    const codes = Array.from({ length: CODES }, () => sandbox.mintCode());
    const burst = await Promise.all(codes.map((code) => post(url, code, agent)));
    const unsentFailures = codes.filter((code, index) => burst[index].status !== 200 && sandbox.callsFor(code) === 0);
    await new Promise((resolve) => setTimeout(resolve, GRACE_WAIT_MS));
    sandbox.clearFaults();
    const failed = codes.filter((_code, index) => burst[index].status !== 200);
    const retries = await Promise.all(failed.map((code) => post(url, code, agent)));
    const locked = retries.filter(({ status }) => status !== 200).length;
    const sentTwice = codes.filter((code) => sandbox.callsFor(code) > 1).length;
    const report = {
      codes: CODES,
      latencyMs: LATENCY_MS,
      timeoutMs: TIMEOUT_MS,
      burst: tally(burst),
      failedNeverSent: unsentFailures.length,
      failed504NeverSent: codes.filter((code, index) => burst[index].status === 504 && unsentFailures.includes(code)).length,
      retries: tally(retries),
      codesLocked: locked,
      codesSentTwice: sentTwice,
      upstreamCalls: sandbox.calls,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    agent.destroy();
    await proxy.close();
    await sandbox.close();
  }
}

const limit = setTimeout(() => {
  process.stderr.write(`burst: gave up after ${RUN_LIMIT_MS} ms\n`);
  process.exit(2);
}, RUN_LIMIT_MS);
limit.unref();
main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`burst: ${String(error)}\n`);
    process.exit(1);
  },
);
