// What every server under test shares: the wire constants, the upstream address, start and stop.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { isBenchMessage, type AnswerMessage, type QuestionMessage, type ReadyMessage } from '../ipc';

/** The exchange route every server under test exposes. */
export const ROUTE_PATH = '/phone';
/** Authing's endpoint (docs/en/reference/protocol.md, "What the proxy sends Authing"), served by the sandbox. */
export const AUTHING_PHONE_PATH = '/api/v3/get-wechat-miniprogram-phone';
/** Authing ids the upstream expects and every server sends. */
export const AUTHING_APP_ID = '65a0b1c2d3e4f5a6b7c8d9e0';
export const EXT_IDP_CONNIDENTIFIER = 'wechat-miniprogram-sandbox';
/** The mini program every load request claims to come from (the proxy's allow-list). */
export const MINIPROGRAM_APPID = 'wx0123456789abcdef';
export const REFERER = `https://servicewechat.com/${MINIPROGRAM_APPID}/1/page-frame.html`;

/**
 * DEDUPE_MAX_ENTRIES's default (docs/en/reference/config.md): the memory phase runs the proxy with it, full, as a deployment
 * with the defaults runs once that many codes live (issue 23: a full memory store refuses new codes, it never evicts).
 */
export const DEFAULT_STORE_ENTRIES = 10_000;

/** The upstream base URL the runner handed over. */
export function upstreamUrl(): string {
  const url = process.env.BENCH_UPSTREAM_URL;
  if (!url) throw new Error('BENCH_UPSTREAM_URL is not set: servers under test are started by bench/run');
  return url;
}

/** The headers Authing expects on the exchange call. */
export function authingHeaders(body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'x-authing-app-id': AUTHING_APP_ID,
    'x-authing-lang': 'zh-CN',
  };
}

export function baseUrl(server: Server): string {
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Tells the runner where we listen, and closes cleanly when it says stop (SIGTERM). */
export function serve(url: string, close: () => Promise<void>): void {
  const ready: ReadyMessage = { type: 'ready', url };
  process.send?.(ready);
  process.once('SIGTERM', () => {
    setTimeout(() => process.exit(0), 2000).unref(); // a stuck close must not hang the bench
    void close().finally(() => process.exit(0));
  });
  // The runner died: do not outlive it.
  process.once('disconnect', () => process.exit(0));
}

/** Answers the runner's questions this child knows about (`answer` returns undefined for the others). */
export function answerQuestions(answer: (question: QuestionMessage) => number | undefined): void {
  process.on('message', (message: unknown) => {
    if (!isBenchMessage(message) || (message.type !== 'callsFor' && message.type !== 'liveHeap')) return;
    const value = answer(message);
    if (value === undefined) return;
    const reply: AnswerMessage = { type: 'answer', id: message.id, value };
    process.send?.(reply);
  });
}

/**
 * Answers the runner's liveHeap question (heap used after a full GC) when started with --expose-gc: the memory phase
 * asks the proxy and the floor alike, so that both go through the same forced GC before their RSS is read.
 */
export function answerLiveHeap(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  answerQuestions((question) => {
    if (question.type !== 'liveHeap' || !gc) return undefined;
    gc();
    return process.memoryUsage().heapUsed;
  });
}
