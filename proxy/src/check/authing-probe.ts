// Whether Authing is reachable and knows our app / user pool / connection, proved with a probe code that cannot be
// real (probe-code.ts): Authing answering "invalid code" means every identifier was found. What Authing answers for
// each wrong identifier is in the project's docs (docs/en/reference/errors.md; apiCode 2011 app, 2224 user pool; statusCode 404 for an
// unknown connection, as the sandbox answers it: not confirmed against Authing itself).
import { performance } from 'node:perf_hooks';
import type { AuthingOptions, ResolvedOptions } from '../config';
import { createUpstream } from '../exchange/upstreams';
import { createMetrics } from '../observability/metrics';
import type { UpstreamOutcome } from '../contract/types';
import { fail, pass, warn, type CheckLine } from './lines';
import { noAnswer } from './no-answer';
import { PROBE_CODE } from './probe-code';

const REACHABLE = 'Authing reachable';
const IDENTIFIERS = 'Authing identifiers';

export async function probeAuthing(config: ResolvedOptions & { authing: AuthingOptions }): Promise<CheckLine[]> {
  const { authing } = config;
  // The upstream the proxy would build (management mode included: its token is fetched as in an exchange).
  const client = createUpstream(config, createMetrics());
  const started = performance.now();
  let outcome: UpstreamOutcome;
  try {
    outcome = await client.call(PROBE_CODE, {}).answer;
  } finally {
    await client.close();
  }
  const ms = Math.round(performance.now() - started);
  const host = new URL(authing.appHost).origin;
  const detail = outcome.ok ? {} : (outcome.failure.detail ?? {});

  // No answer at all: the identifiers cannot be judged.
  const why = noAnswer(outcome, config.upstreamTimeoutMs);
  if (why !== undefined) {
    return [
      fail(
        REACHABLE,
        `${host}: ${why}`,
        'check AUTHING_APP_HOST (your Authing domain) and that this machine reaches it: DNS, firewall, outbound proxy',
        ms,
      ),
      fail(IDENTIFIERS, 'not checked: Authing did not answer', 'fix the line above first'),
    ];
  }
  // Plain http off loopback is a WARN line of its own (run-check.ts, "upstream").
  const reachable = pass(REACHABLE, `${host} answered ${host.startsWith('https:') ? 'over TLS' : 'over plain http'}`, ms);
  return [reachable, identifiers(outcome, detail, { ...config, authing })];
}

function identifiers(
  outcome: UpstreamOutcome,
  detail: Readonly<Record<string, unknown>>,
  config: ResolvedOptions & { authing: AuthingOptions },
): CheckLine {
  if (outcome.ok) {
    return fail(
      IDENTIFIERS,
      'the probe code was answered with a phone number: this is not Authing answering',
      'point AUTHING_APP_HOST at your Authing domain',
    );
  }
  const { failure } = outcome;
  const said = `Authing answered statusCode ${String(detail.upstreamStatusCode ?? detail.upstreamStatus)}${failure.apiCode === undefined ? '' : `, apiCode ${failure.apiCode}`}`;
  const { appId, userPoolId } = config.authing;
  if (failure.definition.error === 'CODE_REJECTED') {
    const ids = [appId && `app ${appId}`, userPoolId && `user pool ${userPoolId}`, `connection ${config.authing.extIdpConnidentifier}`]
      .filter(Boolean)
      .join(', ');
    return pass(IDENTIFIERS, `${ids} recognized (the probe code was refused as invalid, as it should be)`);
  }
  if (failure.apiCode === 2011)
    return fail(
      IDENTIFIERS,
      `${said}: app not found`,
      'AUTHING_APP_ID must be the App ID of your Authing application (console: Applications → your app)',
    );
  if (failure.apiCode === 2224)
    return fail(IDENTIFIERS, `${said}: user pool not found`, 'AUTHING_USERPOOL_ID must be your user pool ID (console: Settings → Basic)');
  if (detail.wechatErrcode === 40013) {
    return fail(
      IDENTIFIERS,
      `${said}: WeChat says the appid is invalid`,
      "the WeChat mini program connection in Authing must carry your mini program's AppID and AppSecret",
    );
  }
  if (failure.definition.error === 'MISCONFIGURED' && detail.upstreamStatusCode === 404) {
    return fail(
      IDENTIFIERS,
      `${said}: connection not found`,
      'AUTHING_EXT_IDP_CONNIDENTIFIER must be the identifier (唯一标识) of the WeChat mini program connection in Authing',
    );
  }
  if (failure.definition.error === 'RATE_LIMITED') return warn(IDENTIFIERS, `${said}: throttled, not judged`, 'run check again in a minute');
  return fail(
    IDENTIFIERS,
    `${said}: ${failure.definition.error}`,
    'compare AUTHING_APP_HOST, AUTHING_APP_ID / AUTHING_USERPOOL_ID and AUTHING_EXT_IDP_CONNIDENTIFIER with the Authing console',
  );
}
