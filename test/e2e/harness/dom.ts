/**
 * A DOM for miniprogram-simulate in plain Node.
 *
 * The end-to-end chain runs the real proxy (node:http) next to the simulated component. Jest's jsdom
 * environment would load those servers with browser globals, so the e2e tests and the demo run in Node and borrow
 * one jsdom window instead: `window`, `document` and the DOM interfaces Node lacks (`HTMLElement`, `TouchEvent`...),
 * plus jsdom's own `Event` / `CustomEvent`, because j-component dispatches `new CustomEvent(...)` on jsdom elements,
 * which reject Node's native events. Instance objects (`localStorage`, `location`...) stay on `window` only.
 */
import { JSDOM } from 'jsdom';

const JSDOM_EVENTS = ['Event', 'CustomEvent'];

let installed = false;

/** Installs the window globals once per realm (a jest test file, the demo). Call before requiring miniprogram-simulate. */
export function installDom(): void {
  if (installed) return;
  installed = true;
  // A real origin: on an opaque one, getters such as localStorage throw.
  const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>', { url: 'https://servicewechat.com/' });
  const source = window as unknown as Record<string, unknown>;
  const isInterface = (key: string): boolean => /^[A-Z]/.test(key) && typeof source[key] === 'function';
  const missing = ['window', 'document', ...Object.getOwnPropertyNames(window).filter(isInterface)].filter((key) => !(key in globalThis));
  for (const key of [...missing, ...JSDOM_EVENTS]) (globalThis as Record<string, unknown>)[key] = source[key];
}
