// The wire contract and the pipeline's shared shapes, as types only: every folder may import this module and it
// imports nothing, so a type two folders share never makes an import climb (docs/en/guide/development.md, "The
// proxy's code map"; the wire: docs/en/reference/protocol.md).

export type ProxyErrorCode =
  | 'INVALID_REQUEST'
  | 'ORIGIN_FORBIDDEN'
  | 'CODE_REJECTED'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'MISCONFIGURED'
  | 'NOT_FOUND'
  | 'INTERNAL_ERROR'
  | 'REFUSED'
  | 'HOOK_FAILED';

export interface ProxyErrorDefinition {
  readonly error: ProxyErrorCode;
  readonly statusCode: number;
  readonly message: string;
}

/** A failure to answer with: the table row plus what the client may see and what only the log may see. */
export interface ProxyFailure {
  readonly definition: ProxyErrorDefinition;
  readonly apiCode?: number;
  readonly upstreamRequestId?: string;
  /** Seconds for the Retry-After header (RATE_LIMITED). */
  readonly retryAfterSeconds?: number;
  /** The host's own error code for its refusal (onPhone), sent instead of `definition.error` (REFUSED, the metric label). */
  readonly error?: string;
  /** Why, for the log only: upstream status, WeChat errcode, scrubbed upstream message, error code. */
  readonly detail?: Readonly<Record<string, unknown>>;
  /** Why, safe to show (a fixed kebab-case word, never a value): sent as the answer's `detail.reason` (docs/en/reference/errors.md, "Refusal reasons"). */
  readonly reason?: string;
}

/** The failure envelope of our wire contract. */
export interface FailureBody {
  statusCode: number;
  message: string;
  /** One of ProxyErrorCode, or the code an onPhone hook refused with. */
  error: ProxyErrorCode | (string & {});
  apiCode?: number;
  requestId: string;
  upstreamRequestId?: string;
  /** RATE_LIMITED: seconds before trying again (as the Retry-After header, for transports without headers). */
  retryAfter?: number;
  /** Why, when the proxy can say it safely: e.g. `{ reason: 'devtools' }` (docs/en/reference/errors.md, "Refusal reasons"). */
  detail?: { reason: string };
}

export interface PhoneInfo {
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string;
}

/** The success answer of our wire contract. */
export interface SuccessBody {
  statusCode: 200;
  message: string;
  requestId: string;
  upstreamRequestId?: string;
  data: PhoneInfo;
  /** The signed phone assertion (a JWT) for the app's backend, when a signing key is configured. */
  assertion?: string;
}

export interface ExchangeAnswer {
  /** The HTTP status: 200, or the failure's. */
  status: number;
  body: SuccessBody | FailureBody;
  /** Seconds for a Retry-After header (RATE_LIMITED). */
  retryAfterSeconds?: number;
}

/** Where a request's phone came from: a new upstream call, one shared in flight, or an answer remembered for its code. */
export type DedupeSource = 'upstream' | 'inflight' | 'remembered';

/** What one upstream call produced for a code: a phone, or a failure; shared by the single flight, remembered by the store. */
export type UpstreamOutcome =
  | {
      readonly ok: true;
      readonly phone: PhoneInfo;
      readonly upstreamRequestId?: string;
      /** Whom the phone was fetched for (exchange/caller-binding.ts): set by the exchange, shared by the single flight. */
      readonly binding?: string;
    }
  | {
      readonly ok: false;
      readonly failure: ProxyFailure;
      /**
       * True only when the request's bytes were never written (no upstream slot or socket in time, connection refused,
       * DNS, EMFILE, the client closed...): the one failure the same code may be sent again after. Any answer from
       * upstream, even throttling or a configuration error, may have been preceded by a use of the code.
       */
      readonly neverSent: boolean;
    };

/** A stage's way of saying the request fails, and with what: the body read, the hook, the exchange's decision. */
export type Failed = { readonly failure: ProxyFailure };

/** What a code's single flight hands a request: the upstream's outcome, and where it came from. */
export type SourcedOutcome = { outcome: UpstreamOutcome; source: DedupeSource };
