// Every failure leaves in our envelope: our own ProxyErrors, the errors of fastify and its plugins (bad JSON,
// oversize body, wrong content type...) and bugs. Bad input is never a 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errors, failureBody, ProxyError, type ProxyFailure } from './errors';

/** Per-request facts for the one summary log line and the metrics (see exchange-route.ts). */
export interface ExchangeRecord {
  outcome?: string;
  failure?: ProxyFailure;
  codeHash?: string;
  source?: string;
  phone?: string;
  upstreamRequestId?: string;
}

declare module 'fastify' {
  interface FastifyReply {
    exchangeRecord: ExchangeRecord | null;
  }
}

export function sendFailure(reply: FastifyReply, failure: ProxyFailure): FastifyReply {
  if (reply.exchangeRecord) {
    reply.exchangeRecord.outcome = failure.definition.error;
    reply.exchangeRecord.failure = failure;
  }
  if (failure.retryAfterSeconds !== undefined) reply.header('retry-after', failure.retryAfterSeconds);
  return reply.code(failure.definition.statusCode).send(failureBody(failure, reply.request.id));
}

export function toFailure(error: FastifyError | Error): ProxyFailure {
  if (error instanceof ProxyError) return error.failure;
  const { code, statusCode } = error as FastifyError;
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || statusCode === 415) return { definition: errors.UNSUPPORTED_MEDIA_TYPE };
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || statusCode === 413) return { definition: errors.PAYLOAD_TOO_LARGE };
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return { definition: errors.INVALID_REQUEST, detail: { errorCode: code } };
  }
  return { definition: errors.INTERNAL_ERROR };
}

export function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let failure = toFailure(error);
  if (failure.definition === errors.INTERNAL_ERROR) {
    // A bug: the exchange summary line carries the details; other routes get a line of their own.
    failure = { ...failure, detail: { errorCode: (error as FastifyError).code, errorMessage: error.message, stack: error.stack } };
    if (!reply.exchangeRecord) request.log.error({ err: error }, 'unhandled error');
  }
  sendFailure(reply, failure);
}
