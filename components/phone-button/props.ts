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
  /** `request` | `cloud`. Empty: the `configure()` transport (default `request`). */
  transport: { type: String, value: '' },
  /** The cloud function's name, required with `transport="cloud"`. */
  cloudFunction: { type: String, value: '' },
  /** The cloud environment id, with `transport="cloud"`. Empty: the one from `wx.cloud.init()`. */
  cloudEnv: { type: String, value: '' },
  disabled: { type: Boolean, value: false },
  /** Use `open-type="getRealtimePhoneNumber"` (real-time verification, billed higher). */
  realtime: { type: Boolean, value: false },
  /** WeChat's own toast when the quota is used up (`phone-number-no-quota-toast`). */
  noQuotaToast: { type: Boolean, value: true },
  /** Native button look: `default` | `primary` | `warn`. */
  type: { type: String, value: 'primary' },
  /** `default` | `mini`. */
  size: { type: String, value: 'default' },
  plain: { type: Boolean, value: false },
  /** Full width. */
  block: { type: Boolean, value: false },
  customStyle: { type: String, value: '' },
};
