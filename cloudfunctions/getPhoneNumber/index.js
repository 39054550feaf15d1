// Cloud function getPhoneNumber: <phone-button transport="cloud" cloud-function="getPhoneNumber"> sends it
// { code, nonce? }; it exchanges the code with Authing and returns the proxy's DTO or error envelope as `result`.
// Configuration comes from the function's environment variables (AUTHING_APP_HOST, ALLOWED_APPIDS...): see the
// README of miniprogram-phone-proxy. A missing or invalid variable stops the function at load, naming the variable.
// The caller (openid, appid, the call's source) comes from the platform's per-invocation context, the one
// wx-server-sdk's getWXContext() reads: a `userInfo` in the data changes nothing, and a call that is not a mini
// program's (wx_client; the developer tool's only with ALLOW_DEVTOOLS=true) is refused ORIGIN_FORBIDDEN.
const { createCloudFunction, loadConfigFromEnv } = require('miniprogram-phone-proxy');

// HOST and PORT are for the HTTP server only.
const { host, port, ...options } = loadConfigFromEnv();

// Created once per container: a warm container keeps its de-duplication memory and rate-limit counters.
exports.main = createCloudFunction(options);
