// CORS for H5 callers (a web page in a WebView or a browser): exact origins only, POST only, and the headers our
// answers carry exposed. Mini program callers (wx.request) need none of it.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { failureResponse, type AppResponse } from '../contract/http-messages';
import { PREFLIGHT_REFUSED } from './refusals';

const EXPOSED_HEADERS = 'x-request-id, retry-after';
/** A comma list of header names (RFC 9110 tokens): the only form echoed back from a preflight. */
const HEADER_NAMES = /^[!#$%&'*+.^_`|~\w-]+(?:\s*,\s*[!#$%&'*+.^_`|~\w-]+)*$/;
/** How long a browser may reuse a preflight answer. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

export class Cors {
  private readonly origins: ReadonlySet<string>;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
  }

  allows(origin: string | undefined): origin is string {
    return origin !== undefined && this.origins.has(origin);
  }

  /** Adds the CORS headers to an answer: the origin is echoed only when allowed; caches must key on it either way. */
  decorate(response: AppResponse, origin: string | undefined): void {
    response.headers.vary = 'Origin';
    if (!this.allows(origin)) return;
    response.headers['access-control-allow-origin'] = origin;
    response.headers['access-control-expose-headers'] = EXPOSED_HEADERS;
  }

  /** A browser's preflight: 204 with what may follow for allowed origins; 403 saying why (and logged) for the others. */
  preflight(headers: IncomingHttpHeaders, requestId: string, logger: Logger | undefined): AppResponse {
    if (!this.allows(headers.origin)) {
      const refused = PREFLIGHT_REFUSED[headers.origin === undefined ? 'no-origin' : 'origin-not-allowed'];
      logger?.info(
        { reqId: requestId, outcome: refused.definition.error, statusCode: refused.definition.statusCode, detail: refused.detail },
        'CORS preflight refused',
      );
      return failureResponse(refused, requestId);
    }
    const response: AppResponse = {
      status: 204,
      headers: { 'access-control-allow-methods': 'POST', 'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS },
      body: null,
    };
    const requested = headers['access-control-request-headers'];
    if (requested !== undefined && HEADER_NAMES.test(requested)) response.headers['access-control-allow-headers'] = requested;
    return response;
  }
}
