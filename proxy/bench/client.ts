// One exchange request from the runner, outside autocannon: cold start and de-duplication checks.
import http from 'node:http';
import { REFERER, ROUTE_PATH } from './servers/common';

export interface Answer {
  status: number;
  body: string;
}

export function postCode(baseUrl: string, code: string, agent?: http.Agent): Promise<Answer> {
  const body = JSON.stringify({ code });
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(ROUTE_PATH, baseUrl),
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), referer: REFERER } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
