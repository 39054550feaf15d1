/** The `transport` property's values; empty: the `configure()` transport. */
export type TransportProperty = '' | 'request' | 'cloud' | 'container';
/** The native button's `type`. */
export type ButtonType = 'default' | 'primary' | 'warn';
/** The native button's `size`. */
export type ButtonSize = 'default' | 'mini';

/**
 * A String property typed as the values it takes, so the component reads them without casts. WeChat itself checks
 * only that it is a string: a page can still bind any text, and the library's validation names a wrong transport.
 */
function stringOf<T extends string>(value: T): { type: StringConstructor; value: T } {
  return { type: String, value };
}

/**
 * `<phone-button>` properties. Exchange settings left at their empty default fall back to `configure()`.
 */
export const phoneButtonProps = {
  /** The proxy's URL. Empty: the `configure()` endpoint. */
  endpoint: { type: String, value: '' },
  /** Milliseconds to wait for the proxy. 0: the `configure()` timeout (default 10000). */
  timeout: { type: Number, value: 0 },
  /** Extra request headers (e.g. the page's session token), merged over the `configure()` header. */
  header: { type: Object, value: {} },
  /** `request` | `cloud` | `container`. Empty: the `configure()` transport (default `request`). */
  transport: stringOf<TransportProperty>(''),
  /** The cloud function's name, required with `transport="cloud"`. */
  cloudFunction: { type: String, value: '' },
  /** The cloud environment id, with `transport="cloud"` or `"container"`. Empty: the one from `wx.cloud.init()`. */
  cloudEnv: { type: String, value: '' },
  /** The Cloud Hosting service name (`X-WX-SERVICE`), required with `transport="container"`. */
  containerService: { type: String, value: '' },
  /** The proxy's route in the container, with `transport="container"`. Empty: `/phone`. */
  containerPath: { type: String, value: '' },
  /** Issued by the app's backend for this session; comes back inside the signed assertion. Empty: the `configure()` nonce. */
  nonce: { type: String, value: '' },
  disabled: { type: Boolean, value: false },
  /** Use `open-type="getRealtimePhoneNumber"` (real-time verification, billed higher). */
  realtime: { type: Boolean, value: false },
  /** One tap gives the privacy consent and the phone code: `open-type="agreePrivacyAuthorization|getPhoneNumber"`. */
  privacy: { type: Boolean, value: false },
  /** WeChat's own toast when the quota is used up (`phone-number-no-quota-toast`). */
  noQuotaToast: { type: Boolean, value: true },
  /** Native button look: `default` | `primary` | `warn`. */
  type: stringOf<ButtonType>('primary'),
  /** `default` | `mini`. */
  size: stringOf<ButtonSize>('default'),
  plain: { type: Boolean, value: false },
  /** Full width. */
  block: { type: Boolean, value: false },
  customStyle: { type: String, value: '' },
};
