/**
 * The mini program side of the chain: the BUILT package from miniprogram_dist (what users receive), mounted in
 * miniprogram-simulate, with a `wx.request` that goes over real HTTP.
 */
import * as path from 'node:path';
import type * as Simulate from 'miniprogram-simulate';
import type * as Library from '../../../src/index';
import type { GetPhoneNumberDetail, PhoneErrorDetail, PhoneEventDetail } from '../../../src/index';
import { assertBuilt } from './built';
import { installDom } from './dom';
import { createWxRequest, type WxRequestOptions } from '../../helpers/wx-request';

export const DIST_DIR = path.resolve(__dirname, '../../../miniprogram_dist');
const COMPONENT_PATH = path.join(DIST_DIR, 'phone-button', 'index');

/** What one tap ends with: the component's `phone` or `error` event. */
export type PhoneButtonOutcome = { event: 'phone'; detail: PhoneEventDetail } | { event: 'error'; detail: PhoneErrorDetail };

/** The `<phone-button>` properties the end-to-end scenarios set; left out = the component's default. */
export interface PhoneButtonProps {
  endpoint?: string;
  timeout?: number;
  header?: Record<string, string>;
  realtime?: boolean;
  disabled?: boolean;
  transport?: string;
  cloudFunction?: string;
  cloudEnv?: string;
  containerService?: string;
  containerPath?: string;
  nonce?: string;
  privacy?: boolean;
}

export interface MountedPhoneButton {
  /**
   * What WeChat does when the user answers the consent sheet: fires the event matching the native button's
   * current `open-type` with `detail`. Resolves with the component's next `phone` or `error` event; rejects when
   * the button's open-type would make WeChat fire nothing, or when no event comes within `waitMs`.
   */
  tap(detail: GetPhoneNumberDetail, waitMs?: number): Promise<PhoneButtonOutcome>;
  /** How many `privacyagree` events the component emitted. */
  privacyAgreements(): number;
  detach(): void;
}

/** The events WeChat fires for each phone open-type. */
const EVENT_FOR_OPEN_TYPE: Record<string, string> = {
  getPhoneNumber: 'getphonenumber',
  getRealtimePhoneNumber: 'getrealtimephonenumber',
};
/** Combined with a phone open-type (`agreePrivacyAuthorization|getPhoneNumber`), the consent comes first. */
const PRIVACY_OPEN_TYPE = 'agreePrivacyAuthorization';

/** Longer than any timeout a scenario gives the component, so a missing event is reported as such. */
const DEFAULT_WAIT_MS = 10_000;

let simulate: typeof Simulate | undefined;
let phoneButtonId: string | undefined;

/** miniprogram-simulate on a DOM. Requiring it defines the global `wx` (stub APIs) and `Component`. */
export function loadSimulate(): typeof Simulate {
  if (!simulate) {
    assertBuilt(`${COMPONENT_PATH}.js`, 'npm run build');
    installDom();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only once the DOM is installed: requiring it defines wx and Component
    simulate = require('miniprogram-simulate') as typeof Simulate;
  }
  return simulate;
}

/** Replaces miniprogram-simulate's stub `wx.request` with the real-HTTP one. */
export function useRealNetwork(options: WxRequestOptions): void {
  loadSimulate();
  wx.request = createWxRequest(options);
}

/** The built library (`miniprogram_dist/index.js`), the same module instance the built component uses. */
export function loadLibrary(): typeof Library {
  loadSimulate();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the BUILT library, loaded after miniprogram-simulate as the component loads it
  return require(DIST_DIR) as typeof Library;
}

/** Mounts the built `<phone-button>` in a host page that records its events. */
export function mountPhoneButton(props: PhoneButtonProps): MountedPhoneButton {
  const sim = loadSimulate();
  // miniprogram-simulate renders nothing for a path loaded twice: load it once per realm.
  phoneButtonId ??= sim.load(COMPONENT_PATH, 'phone-button');

  // Events in emission order; each tap reads the next one.
  const emitted: PhoneButtonOutcome[] = [];
  let unread = 0;
  let waiter: (() => void) | undefined;
  const record = (outcome: PhoneButtonOutcome): void => {
    emitted.push(outcome);
    waiter?.();
  };

  let privacyAgreements = 0;
  // Properties are written kebab-case in WXML (containerService -> container-service).
  const attribute = (name: string): string => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  const bindings = Object.keys(props)
    .map((name) => `${attribute(name)}="{{${name}}}"`)
    .join(' ');
  const hostId = sim.load({
    template: `<phone-button id="subject" ${bindings} bind:phone="onPhone" bind:error="onError" bind:privacyagree="onPrivacyAgree">验证手机号</phone-button>`,
    usingComponents: { 'phone-button': phoneButtonId },
    data: { ...props },
    methods: {
      onPhone: (event: WechatMiniprogram.CustomEvent<PhoneEventDetail>) => record({ event: 'phone', detail: event.detail }),
      onPrivacyAgree: () => void privacyAgreements++,
      onError: (event: WechatMiniprogram.CustomEvent<PhoneErrorDetail>) => record({ event: 'error', detail: event.detail }),
    },
  });
  const host = sim.render(hostId);
  host.attach(document.body);
  const subject = host.querySelector('#subject');
  // The native <button> the component renders (its own class): where WeChat delivers the consent answer.
  const nativeButton = subject?.querySelector('.phone-button');
  if (!subject || !nativeButton) throw new Error(`${COMPONENT_PATH} rendered no native .phone-button <button>`);

  const nextOutcome = (waitMs: number): Promise<PhoneButtonOutcome> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiter = undefined;
        reject(new Error(`<phone-button> emitted neither phone nor error within ${waitMs} ms`));
      }, waitMs);
      waiter = () => {
        if (unread >= emitted.length) return;
        clearTimeout(timer);
        waiter = undefined;
        resolve(emitted[unread++]);
      };
      waiter();
    });

  return {
    tap(detail, waitMs = DEFAULT_WAIT_MS) {
      // j-component lists attributes camel-cased.
      const openType = String(nativeButton.toJSON().attrs.find((attr) => attr.name === 'openType')?.value ?? '');
      const openTypes = openType.split('|');
      const eventName = EVENT_FOR_OPEN_TYPE[openTypes[openTypes.length - 1]];
      if (!eventName) return Promise.reject(new Error(`the native button's open-type is "${openType}": WeChat fires no phone event`));
      const outcome = nextOutcome(waitMs);
      if (openTypes[0] === PRIVACY_OPEN_TYPE) nativeButton.dispatchEvent('agreeprivacyauthorization', { detail: {} });
      nativeButton.dispatchEvent(eventName, { detail });
      return outcome;
    },
    privacyAgreements: () => privacyAgreements,
    detach: () => host.detach(),
  };
}
