import { parseFlags, parsePort } from './cli-flags';
import { DEFAULT_CONNECTION_ID, startSandbox } from '../sandbox/sandbox';
import type { Sandbox, SandboxOptions } from '../sandbox/types';

export const SANDBOX_CLI_USAGE = `Usage: miniprogram-phone-proxy sandbox [options]
  Starts a local Authing stand-in (POST /api/v3/get-wechat-miniprogram-phone). Never use it in production.
  --port N                  port to listen on (default 0: any free port)
  --host H                  address to bind (default 127.0.0.1)
  --shape phone_info|flat   success body shape (default phone_info)
  --strict                  accept only codes minted by the sandbox (default: any new code, once)
  --connection ID           extIdpConnidentifier it accepts (default ${DEFAULT_CONNECTION_ID})
  --app-id ID               require x-authing-app-id ID (or the user pool id below)
  --userpool-id ID          require x-authing-userpool-id ID (or the app id above)
  --numeric-country-code    emit countryCode as the number 86
  --help                    print this help`;

export interface SandboxCli {
  sandbox: Sandbox;
  /** Closes the sandbox and removes the SIGINT/SIGTERM handlers. */
  stop(): Promise<void>;
}

const SANDBOX_FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  shape: { type: 'string' },
  strict: { type: 'boolean' },
  connection: { type: 'string' },
  'app-id': { type: 'string' },
  'userpool-id': { type: 'string' },
  'numeric-country-code': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What parseFlags gives for SANDBOX_FLAGS: strings for string flags, true for boolean ones. */
interface SandboxFlags {
  port?: string;
  host?: string;
  shape?: string;
  strict?: true;
  connection?: string;
  'app-id'?: string;
  'userpool-id'?: string;
  'numeric-country-code'?: true;
  help?: true;
}

/** Parses sandbox CLI flags. Returns 'help' for --help; throws an Error naming the bad flag otherwise. */
export function parseSandboxArgs(argv: readonly string[]): SandboxOptions | 'help' {
  let flags: SandboxFlags;
  try {
    flags = parseFlags(argv, SANDBOX_FLAGS);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n\n${SANDBOX_CLI_USAGE}`, { cause: error });
  }
  if (flags.help) return 'help';
  const { shape } = flags;
  if (shape !== undefined && shape !== 'phone_info' && shape !== 'flat') throw new Error(`--shape must be phone_info or flat, got ${shape}`);
  const options: SandboxOptions = {
    port: flags.port === undefined ? undefined : parsePort(flags.port),
    host: flags.host,
    shape,
    strictCodes: flags.strict,
    extIdpConnidentifier: flags.connection,
    appId: flags['app-id'],
    userPoolId: flags['userpool-id'],
    numericCountryCode: flags['numeric-country-code'],
  };
  // Only the flags given: an undefined option would hide the sandbox's default.
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/**
 * The `sandbox` subcommand: starts the sandbox, prints one line (URL and connection identifier), stops on
 * SIGINT/SIGTERM. Resolves undefined after printing the help for --help.
 */
export async function runSandboxCli(
  argv: readonly string[],
  print: (line: string) => void = (line) => console.log(line),
): Promise<SandboxCli | undefined> {
  const options = parseSandboxArgs(argv);
  if (options === 'help') {
    print(SANDBOX_CLI_USAGE);
    return undefined;
  }
  const sandbox = await startSandbox(options);
  const onSignal = (): void => void stop();
  const stop = (): Promise<void> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    return sandbox.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  print(
    `Authing sandbox listening on ${sandbox.url} ` +
      `(extIdpConnidentifier: ${options.extIdpConnidentifier ?? DEFAULT_CONNECTION_ID}, ` +
      `shape: ${options.shape ?? 'phone_info'}, codes: ${options.strictCodes ? 'strict' : 'lenient'})`,
  );
  return { sandbox, stop };
}
