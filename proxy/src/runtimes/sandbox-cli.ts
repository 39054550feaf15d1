// The `sandbox` subcommand: one sandbox alone, Authing's (default) or WeChat's (`--upstream wechat`), for a proxy the
// user runs themselves; the WeChat one prints the variables that point the proxy at it (docs/en/reference/protocol.md, "The sandboxes").
import { parseFlags, parsePort } from './cli-flags';
import { DEFAULT_CONNECTION_ID, startSandbox } from '../sandbox/sandbox';
import type { Sandbox, SandboxOptions } from '../sandbox/types';
import { startWechatSandbox, type WechatSandbox, type WechatSandboxOptions } from '../sandbox/wechat-sandbox';

export const SANDBOX_CLI_USAGE = `Usage: miniprogram-phone-proxy sandbox [options]
  Starts a local stand-in for the upstream. Never use it in production.
  --upstream authing|wechat  which one (default authing):
                            authing: POST /api/v3/get-wechat-miniprogram-phone
                            wechat:  POST /cgi-bin/stable_token and /wxa/business/getuserphonenumber; prints the
                                     WECHAT_* variables to give the proxy
  --port N                  port to listen on (default 0: any free port)
  --host H                  address to bind (default 127.0.0.1)
  --numeric-country-code    emit countryCode as the number 86
  Authing only:
  --shape phone_info|flat   success body shape (default phone_info)
  --strict                  accept only codes minted by the sandbox (default: any new code, once)
  --connection ID           extIdpConnidentifier it accepts (default ${DEFAULT_CONNECTION_ID})
  --app-id ID               require x-authing-app-id ID (or the user pool id below)
  --userpool-id ID          require x-authing-userpool-id ID (or the app id above)
  WeChat only:
  --appid wx...             the mini program appid it accepts, and names in the phone's watermark (default: a sandbox
                            appid, and a watermark naming none, so that any mini program may call)
  --secret S                the AppSecret it accepts (default sandbox-app-secret)
  --cloudbase               answer without a token, as Cloud Hosting's open API service (WECHAT_OPENAPI=cloudbase)
  --help                    print this help`;

/** Which sandbox, with its options. */
export type SandboxCliOptions = { upstream: 'authing'; options: SandboxOptions } | { upstream: 'wechat'; options: WechatSandboxOptions };

export interface SandboxCli {
  /** The sandbox started: `sandbox.url`, its counters and faults. */
  sandbox: Sandbox | WechatSandbox;
  /** Closes the sandbox and removes the SIGINT/SIGTERM handlers. */
  stop(): Promise<void>;
}

const AUTHING_FLAGS = ['shape', 'strict', 'connection', 'app-id', 'userpool-id'] as const;
const WECHAT_FLAGS = ['appid', 'secret', 'cloudbase'] as const;
const SANDBOX_FLAGS = {
  upstream: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  shape: { type: 'string' },
  strict: { type: 'boolean' },
  connection: { type: 'string' },
  'app-id': { type: 'string' },
  'userpool-id': { type: 'string' },
  appid: { type: 'string' },
  secret: { type: 'string' },
  cloudbase: { type: 'boolean' },
  'numeric-country-code': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What parseFlags gives for SANDBOX_FLAGS: strings for string flags, true for boolean ones. */
type SandboxFlags = { [name in keyof typeof SANDBOX_FLAGS]?: (typeof SANDBOX_FLAGS)[name]['type'] extends 'boolean' ? true : string };

/** Only the options given: an undefined option would hide the sandbox's default. */
const given = <T extends object>(options: T): T => Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;

/** Parses sandbox CLI flags. Returns 'help' for --help; throws an Error naming the bad flag otherwise. */
export function parseSandboxArgs(argv: readonly string[]): SandboxCliOptions | 'help' {
  let flags: SandboxFlags;
  try {
    flags = parseFlags(argv, SANDBOX_FLAGS);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${SANDBOX_CLI_USAGE}`, { cause: error });
  }
  if (flags.help) return 'help';
  const upstream = flags.upstream ?? 'authing';
  if (upstream !== 'authing' && upstream !== 'wechat') throw new Error(`--upstream must be authing or wechat, got ${upstream}`);
  const foreign = (upstream === 'wechat' ? AUTHING_FLAGS : WECHAT_FLAGS).find((name) => flags[name] !== undefined);
  if (foreign) throw new Error(`--${foreign} applies to --upstream ${upstream === 'wechat' ? 'authing' : 'wechat'} only`);
  const common = {
    port: flags.port === undefined ? undefined : parsePort(flags.port),
    host: flags.host,
    numericCountryCode: flags['numeric-country-code'],
  };
  if (upstream === 'wechat') {
    const { appid } = flags;
    if (appid !== undefined && !/^wx[0-9a-f]{16}$/i.test(appid))
      throw new Error(`--appid must be a mini program appid (wx and 16 hex digits), got ${appid}`);
    // No --appid: the watermark names none, so the developer tool's own appid passes the proxy's watermark check.
    const options = {
      ...common,
      appId: appid,
      appSecret: flags.secret,
      cloudbase: flags.cloudbase,
      watermarkAppId: appid === undefined ? null : undefined,
    };
    return { upstream, options: given(options) };
  }
  const { shape } = flags;
  if (shape !== undefined && shape !== 'phone_info' && shape !== 'flat') throw new Error(`--shape must be phone_info or flat, got ${shape}`);
  const options: SandboxOptions = {
    ...common,
    shape,
    strictCodes: flags.strict,
    extIdpConnidentifier: flags.connection,
    appId: flags['app-id'],
    userPoolId: flags['userpool-id'],
  };
  return { upstream, options: given(options) };
}

/** What the WeChat sandbox prints: where it listens, and the variables that point the proxy at it. */
function wechatBanner(sandbox: WechatSandbox, cloudbase: boolean): string {
  const settings = cloudbase
    ? ['UPSTREAM=wechat', `WECHAT_APPID=${sandbox.appId}`, 'WECHAT_OPENAPI=cloudbase', `WECHAT_API_BASE=${sandbox.url}`]
    : ['UPSTREAM=wechat', `WECHAT_APPID=${sandbox.appId}`, `WECHAT_APP_SECRET=${sandbox.appSecret}`, `WECHAT_API_BASE=${sandbox.url}`];
  const what = cloudbase ? 'getuserphonenumber without a token, as the open API service' : 'stable_token + getuserphonenumber';
  return [
    `WeChat sandbox listening on ${sandbox.url} (${what}; never for production). Run the proxy with:`,
    ...settings.map((line) => `  ${line}`),
  ].join('\n');
}

/**
 * The `sandbox` subcommand: starts the sandbox, prints where it listens (and, for WeChat, the variables to set), stops on
 * SIGINT/SIGTERM. Resolves undefined after printing the help for --help.
 */
export async function runSandboxCli(
  argv: readonly string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<SandboxCli | undefined> {
  const parsed = parseSandboxArgs(argv);
  if (parsed === 'help') {
    print(SANDBOX_CLI_USAGE);
    return undefined;
  }
  let sandbox: Sandbox | WechatSandbox;
  if (parsed.upstream === 'wechat') {
    const wechat = await startWechatSandbox(parsed.options);
    sandbox = wechat;
    print(wechatBanner(wechat, parsed.options.cloudbase === true));
  } else {
    const { options } = parsed;
    sandbox = await startSandbox(options);
    print(
      `Authing sandbox listening on ${sandbox.url} ` +
        `(extIdpConnidentifier: ${options.extIdpConnidentifier ?? DEFAULT_CONNECTION_ID}, ` +
        `shape: ${options.shape ?? 'phone_info'}, codes: ${options.strictCodes ? 'strict' : 'lenient'})`,
    );
  }
  const onSignal = (): void => void stop();
  const stop = (): Promise<void> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return sandbox.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { sandbox, stop };
}
