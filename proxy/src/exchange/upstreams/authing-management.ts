// Authing's management token, for management mode (AUTHING_ACCESS_KEY_ID / AUTHING_ACCESS_KEY_SECRET).
// The contract, from Authing's public SDKs (authing-golang-sdk management/management_http_client.go, authing-node-sdk
// src/ManagementTokenProvider.ts): POST {host}/api/v3/get-management-token { accessKeyId, accessKeySecret } ->
// { statusCode: 200, data: { access_token, expires_in } }; later calls send `Authorization: Bearer <access_token>` and
// `x-authing-userpool-id` (the user pool's id, which is the AccessKey id of a user pool key).
// Unconfirmed: whether a call rejected for its token left the phone code unused. So a rejected token is dropped (the
// next call fetches another) but the call is not repeated: its code counts as possibly spent.
import { isRecord } from '../classify';
import { endpoint, postJson } from './post-json';
import type { FetchedToken, TokenSource } from './token-cache';

export const MANAGEMENT_TOKEN_PATH = '/api/v3/get-management-token';

export function authingManagementTokens(appHost: string, accessKeyId: string, accessKeySecret: string, timeoutMs: number): TokenSource {
  const url = endpoint(appHost, MANAGEMENT_TOKEN_PATH);
  return {
    async fetch(): Promise<FetchedToken> {
      const { status, body } = await postJson(url, { accessKeyId, accessKeySecret }, timeoutMs);
      const data = isRecord(body) && isRecord(body.data) ? body.data : undefined;
      const statusCode = isRecord(body) ? (body.statusCode ?? body.code) : undefined;
      if (status !== 200 || statusCode !== 200 || typeof data?.access_token !== 'string' || typeof data.expires_in !== 'number') {
        // Authing's message may say why (a wrong secret); the secret itself is never in it.
        const apiCode = isRecord(body) ? body.apiCode : undefined;
        throw new Error(`Authing management token refused (HTTP ${status}, statusCode ${String(statusCode)}, apiCode ${String(apiCode)})`);
      }
      return { token: data.access_token, expiresInS: data.expires_in };
    },
  };
}
