import { PhoneExchangeError, readPhoneCode, sendPhoneCode } from '../../src/index';
import type { GetPhoneNumberDetail, PhoneClientOptions, PhoneErrorDetail, PhoneEventDetail, Transport } from '../../src/index';
import { phoneButtonProps } from './props';

/** Instances whose page is gone: a late answer must neither setData nor emit. */
const detachedInstances = new WeakSet<object>();

Component({
  options: { addGlobalClass: true },
  externalClasses: ['custom-class'],
  properties: phoneButtonProps,
  data: { loading: false },

  lifetimes: {
    detached() {
      detachedInstances.add(this);
    },
  },

  methods: {
    /** Handles both `getphonenumber` and `getrealtimephonenumber`: their details have the same shape. */
    onGetPhoneNumber(event: WechatMiniprogram.CustomEvent<GetPhoneNumberDetail>) {
      // The template already clears open-type; this guards an event that was queued before that render.
      if (this.data.loading || this.data.disabled) return;
      let code: string;
      try {
        code = readPhoneCode(event.detail);
      } catch (error) {
        this.emitError(error);
        return;
      }
      this.setData({ loading: true });
      sendPhoneCode(code, this.exchangeOptions()).then(
        ({ data, assertion, extra }) =>
          this.finish(() =>
            this.triggerEvent('phone', {
              ...data,
              ...(assertion !== undefined && { assertion }),
              ...(extra && { extra }),
            } satisfies PhoneEventDetail),
          ),
        (error: unknown) => this.finish(() => this.emitError(error)),
      );
    },

    /** With the `privacy` property, WeChat fires this before the phone event of the same tap. */
    onAgreePrivacy() {
      this.triggerEvent('privacyagree', {});
    },

    /** The properties that are set, as library options; the rest fall back to `configure()`. */
    exchangeOptions(): PhoneClientOptions {
      const { endpoint, timeout, header, nonce } = this.data;
      return {
        endpoint: endpoint || undefined,
        timeout: timeout || undefined,
        header: header ?? undefined,
        transport: this.transportOption(),
        nonce: nonce || undefined,
      };
    },

    transportOption(): Transport | undefined {
      const { transport, cloudFunction, cloudEnv, containerService, containerPath } = this.data;
      const env = cloudEnv || undefined;
      if (transport === 'cloud') return { type: 'cloud', name: cloudFunction, env };
      if (transport === 'container') return { type: 'container', service: containerService, env, path: containerPath || undefined };
      // Left: '' or 'request', or text a page bound that is neither; it goes on as is, so the library's validation names it.
      return transport || undefined;
    },

    /** Ends a flow: the second and last setData, unless the component is gone. */
    finish(emit: () => void) {
      if (detachedInstances.has(this)) return;
      this.setData({ loading: false });
      emit();
    },

    emitError(error: unknown) {
      if (!(error instanceof PhoneExchangeError)) {
        console.error('[phone-button]', error); // a bug, not an outcome: nothing we can describe to the page
        return;
      }
      // The page may only show a generic message: say what to fix where the developer looks.
      if (error.reason === 'misconfigured') console.error('[phone-button]', error.message);
      this.triggerEvent('error', error.detail satisfies PhoneErrorDetail);
    },
  },
});
