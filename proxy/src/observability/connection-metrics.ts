// Counters of the listening server's connections, registered in the app's registry (observability/metrics.ts).
import type * as PromClient from 'prom-client';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- an untyped deep module of prom-client (its index loads what we never use), typed from its index
const Counter = require('prom-client/lib/counter') as typeof PromClient.Counter;

/** Why a connection got no answer: `max_connections` (closed as accepted), `accept_error` (EMFILE and the like). */
export type ConnectionRefusal = 'max_connections' | 'accept_error';

export function createConnectionMetrics(registry: PromClient.Registry): PromClient.Counter<'reason'> {
  return new Counter({
    name: 'phone_proxy_connections_refused_total',
    help: 'Connections closed without an answer: max_connections (MAX_CONNECTIONS reached), accept_error (out of file descriptors...)',
    labelNames: ['reason'],
    registers: [registry],
  });
}
