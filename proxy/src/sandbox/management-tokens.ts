// Authing's management mode in the sandbox: POST /api/v3/get-management-token { accessKeyId, accessKeySecret } ->
// { statusCode: 200, data: { access_token, expires_in } }, and the bearer check on later calls (Authorization: Bearer
// <token> with x-authing-userpool-id), as Authing's public SDKs use them (exchange/upstreams/authing-management.ts).
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { failure, JSON_CONTENT_TYPE, type Reply } from './envelopes';

export interface ManagementKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** A token's life, default 7200 s. */
  tokenLifeS?: number;
}

export class ManagementTokens {
  private readonly tokens = new Map<string, number>();
  fetches = 0;

  constructor(
    private readonly key: ManagementKey,
    private readonly now: () => number,
  ) {}

  issue(body: Record<string, unknown> | undefined): Reply {
    this.fetches++;
    if (body?.accessKeyId !== this.key.accessKeyId || body?.accessKeySecret !== this.key.accessKeySecret) {
      return failure({ statusCode: 401, apiCode: 1002, message: 'accessKeyId 或 accessKeySecret 错误' });
    }
    const token = randomBytes(24).toString('hex');
    const lifeS = this.key.tokenLifeS ?? 7200;
    this.tokens.set(token, this.now() + lifeS * 1000);
    const answer = { statusCode: 200, message: '获取成功', data: { access_token: token, expires_in: lifeS } };
    return { httpStatus: 200, body: JSON.stringify(answer), contentType: JSON_CONTENT_TYPE };
  }

  /** A refusal unless the request carries a live token for this user pool. */
  check(headers: IncomingHttpHeaders): Reply | undefined {
    const token = /^Bearer (\S+)$/.exec(headers.authorization ?? '')?.[1];
    const until = token === undefined ? undefined : this.tokens.get(token);
    if (until === undefined || until <= this.now()) return failure({ statusCode: 401, message: 'token 无效或已过期' }, 401);
    if (headers['x-authing-userpool-id'] !== this.key.accessKeyId) return failure({ statusCode: 400, apiCode: 2224, message: '用户池不存在' });
    return undefined;
  }

  /** Every token issued stops working (a rotated secret, a restart of Authing's token store). */
  revokeAll(): void {
    this.tokens.clear();
  }
}
