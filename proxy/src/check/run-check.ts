// `miniprogram-phone-proxy check`: proves a configuration without spending a user's code. It reads the same
// environment as `serve` and answers a checklist (lines.ts): Node.js, the variables, the upstream (Authing or WeChat), the store, the signing
// key, the allow-list and gateway trust. Nothing it prints holds a secret.
import { ConfigError, loadConfigFromEnv, resolveOptions, type ResolvedOptions } from '../config';
import { envLookAlikes } from '../config/env-typos';
import { KNOWN_VARIABLES } from '../config/env';
import { configWarnings, type WarningTopic } from '../config/summary';
import { MINIMUM_NODE, nodeTooOld } from '../config/node-version';
import { probeAuthing } from './authing-probe';
import { fail, pass, warn, type CheckLine, type CheckReport } from './lines';
import { probeRedis } from './redis-probe';
import { probeSigning, SIGNING_ITEM } from './signing-probe';
import { probeWechat } from './wechat-probe';

export interface CheckOptions {
  /** Default process.versions.node. */
  nodeVersion?: string;
}

export async function runCheck(env: NodeJS.ProcessEnv = process.env, options: CheckOptions = {}): Promise<CheckReport> {
  const nodeVersion = options.nodeVersion ?? process.versions.node;
  const tooOld = nodeTooOld(nodeVersion);
  const lines: CheckLine[] = [
    tooOld ? fail('Node.js', tooOld, `install Node.js ${MINIMUM_NODE} or newer`) : pass('Node.js', `${nodeVersion} (needs ${MINIMUM_NODE} or newer)`),
  ];
  const lookAlikes = envLookAlikes(env, KNOWN_VARIABLES).map(({ name, closest, warning }) =>
    warn(
      'variables',
      warning,
      closest === undefined ? `remove ${name}, or rename it to the variable you meant (docs/en/reference/config.md)` : `rename ${name} to ${closest}`,
    ),
  );

  let config: ResolvedOptions;
  try {
    const { host: _host, port: _port, ...proxyOptions } = loadConfigFromEnv(env, () => undefined);
    config = resolveOptions(proxyOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const item = error.key.startsWith('ASSERTION_') ? SIGNING_ITEM : 'configuration';
    lines.push(fail(item, error.message, `fix ${error.key}; nothing else was checked`), ...lookAlikes);
    return report(lines);
  }
  const ours = KNOWN_VARIABLES.filter((name) => env[name]?.trim()).length;
  lines.push(pass('configuration', `every variable parsed (${ours} set)`), ...lookAlikes);
  const { authing, wechat } = config;
  const upstream = authing ? probeAuthing({ ...config, authing }) : probeWechat({ ...config, wechat: wechat! });
  const [upstreamLines, store, signing] = await Promise.all([upstream, probeRedis(config), probeSigning(config)]);
  lines.push(...upstreamLines, store, signing, ...policyLines(config));
  return report(lines);
}

function report(lines: CheckLine[]): CheckReport {
  return { ok: lines.every((line) => line.status !== 'FAIL'), lines };
}

/** The allow-list and gateway trust as configured, and every configuration warning (summary.ts) as a WARN line. */
function policyLines(config: ResolvedOptions): CheckLine[] {
  const warnings = new Map<WarningTopic, string[]>();
  for (const { topic, message } of configWarnings(config)) warnings.set(topic, [...(warnings.get(topic) ?? []), message]);
  const described: Record<WarningTopic, string> = {
    upstream: config.authing ? `Authing at ${new URL(config.authing.appHost).origin}` : `WeChat (${config.upstream})`,
    'allow-list':
      config.allowedAppIds.length === 0
        ? 'no ALLOWED_APPIDS: every caller passes'
        : `${config.allowedAppIds.length} appid(s): ${config.allowedAppIds.join(', ')}; devtools ${config.allowDevtools ? 'allowed' : 'refused'}`,
    'gateway trust': `${config.trustWechatGateway ? 'on: the caller comes from X-WX-* headers' : 'off: X-WX-* headers are ignored'}; TRUST_PROXY=${String(config.trustProxy)}`,
    store: `REDIS_FAILURE=${config.store.failure}`,
  };
  const lines: CheckLine[] = [];
  for (const topic of ['allow-list', 'gateway trust', 'upstream', 'store'] as const) {
    const found = warnings.get(topic);
    if (found) lines.push(...found.map((message) => warn(topic, described[topic], message)));
    else if (topic === 'allow-list' || topic === 'gateway trust') lines.push(pass(topic, described[topic]));
  }
  return lines;
}
