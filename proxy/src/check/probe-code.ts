// The phone code `check` sends to Authing: well formed (a non-empty string, 64 characters like WeChat's codes) but
// never issued by WeChat, so WeChat answers "invalid code" (40029) once Authing has found the app, user pool and
// connection: no user's code is spent to prove a configuration. The sandbox answers it the same way.
export const PROBE_CODE_PREFIX = 'mpp-check-';
export const PROBE_CODE = PROBE_CODE_PREFIX.padEnd(64, '0');
