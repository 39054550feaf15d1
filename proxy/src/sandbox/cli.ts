import { DEFAULT_CONNECTION_ID, startSandbox } from './sandbox';
import type { Sandbox, SandboxOptions } from './types';

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

/** Parses sandbox CLI flags. Returns 'help' for --help; throws an Error naming the bad flag otherwise. */
export function parseSandboxArgs(argv: readonly string[]): SandboxOptions | 'help' {
  const options: SandboxOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf('=');
    const flag = eq < 0 ? argv[i] : argv[i].slice(0, eq);
    const inline = eq < 0 ? undefined : argv[i].slice(eq + 1);
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined || next === '') throw new Error(`${flag} needs a value\n\n${SANDBOX_CLI_USAGE}`);
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return 'help';
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be an integer 0..65535, got ${text}`);
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--shape': {
        const shape = value();
        if (shape !== 'phone_info' && shape !== 'flat') throw new Error(`--shape must be phone_info or flat, got ${shape}`);
        options.shape = shape;
        break;
      }
      case '--strict':
        options.strictCodes = true;
        break;
      case '--connection':
        options.extIdpConnidentifier = value();
        break;
      case '--app-id':
        options.appId = value();
        break;
      case '--userpool-id':
        options.userPoolId = value();
        break;
      case '--numeric-country-code':
        options.numericCountryCode = true;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}\n\n${SANDBOX_CLI_USAGE}`);
    }
  }
  return options;
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
