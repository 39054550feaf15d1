// Command-line flags for the CLIs (`dev`, `sandbox`): node:util's parseArgs reads them; the checks and the wording
// of mistakes are ours ("unknown option --x", "--port needs a value"), the same for every subcommand.
import { parseArgs } from 'node:util';

export type FlagSpec = Readonly<Record<string, { readonly type: 'string' | 'boolean'; readonly short?: string }>>;

/** The flags given, by name: a string for a string flag, true for a boolean one. Throws an Error naming the mistake. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): Record<string, string | true> {
  const { tokens } = parseArgs({ args: [...argv], options: spec, strict: false, allowPositionals: true, tokens: true });
  const flags: Record<string, string | true> = {};
  for (const token of tokens) {
    if (token.kind === 'positional') throw new Error(`unexpected argument ${token.value}`);
    if (token.kind !== 'option') continue; // "--"
    const type = spec[token.name]?.type;
    if (type === undefined) throw new Error(`unknown option ${token.rawName}`);
    if (type === 'boolean' && token.value !== undefined) throw new Error(`${token.rawName} takes no value`);
    if (type === 'string' && !token.value) throw new Error(`${token.rawName} needs a value`);
    flags[token.name] = token.value ?? true;
  }
  return flags;
}

/** A TCP port, 0 (any free port) included. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be an integer 0..65535, got ${text}`);
  return port;
}
