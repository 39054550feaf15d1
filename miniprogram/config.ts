/**
 * The one place to point the demo at a proxy. `npm run dev` (repository root) serves this address with the Authing
 * sandbox. The devtool must not check domains for http://127.0.0.1 (project.config.json sets urlCheck false).
 */
export const PROXY_ENDPOINT = 'http://127.0.0.1:8787/phone';
