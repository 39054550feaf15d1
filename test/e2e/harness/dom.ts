/**
 * A DOM for miniprogram-simulate in plain Node.
 *
 * The end-to-end chain runs the real proxy (fastify, undici) next to the simulated component. Jest's jsdom
 * environment would load those servers with browser globals, so the e2e tests and the demo run in Node and borrow
 * one jsdom window instead: every global Node lacks, plus jsdom's own `Event` / `CustomEvent`, because j-component
 * dispatches `new CustomEvent(...)` on jsdom elements, which reject Node's native events.
 */
import { JSDOM } from 'jsdom';

const DOM_EVENTS = ['Event', 'CustomEvent'] as const;

let installed: { window: JSDOM['window']; keys: string[]; replaced: Map<string, unknown> } | undefined;

/** Installs the window globals once per realm (once per jest test file). Call before requiring miniprogram-simulate. */
export function installDom(): void {
  if (installed) return;
  const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>');
  const scope = globalThis as unknown as Record<string, unknown>;
  const source = window as unknown as Record<string, unknown>;
  const keys = Object.getOwnPropertyNames(window).filter((key) => !(key in globalThis));
  for (const key of keys) scope[key] = source[key];
  const replaced = new Map<string, unknown>();
  for (const key of DOM_EVENTS) {
    replaced.set(key, scope[key]);
    scope[key] = source[key];
  }
  installed = { window, keys, replaced };
}

/** Puts the realm back as it was and closes the window. */
export function removeDom(): void {
  if (!installed) return;
  const scope = globalThis as unknown as Record<string, unknown>;
  for (const key of installed.keys) delete scope[key];
  installed.replaced.forEach((value, key) => (scope[key] = value));
  installed.window.close();
  installed = undefined;
}
