// Configuration: option types and defaults (options.ts), the rules (schema.ts), the environment mapping (env.ts).
export * from './options';
export { resolveOptions } from './schema';
export { loadConfigFromEnv, type EnvConfig } from './env';
export { resolveServerOptions, DEFAULT_MAX_CONNECTIONS, DEFAULT_KEEP_ALIVE_TIMEOUT_MS, type ListenOptions } from './server-options';
export { AUTHING_HEADERS } from './header-values';
