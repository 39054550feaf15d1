// Configuration: option types (options.ts), their defaults (defaults.ts), the rules (schema.ts), the environment mapping (env.ts).
export * from './options';
export * from './defaults';
export { resolveOptions } from './schema';
export { loadConfigFromEnv, type EnvConfig } from './env';
export { resolveServerOptions, type ListenOptions } from './server-options';
export { AUTHING_HEADERS } from './header-values';
