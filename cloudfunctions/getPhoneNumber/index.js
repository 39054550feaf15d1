// Cloud function getPhoneNumber: <phone-button transport="cloud" cloud-function="getPhoneNumber"> sends it
// { code, nonce? }; it exchanges the code with Authing and returns the proxy's DTO or error envelope as `result`.
// Configuration comes from the function's environment variables (AUTHING_APP_HOST, ALLOWED_APPIDS...): see the
// configuration reference of miniprogram-phone-proxy (docs/en/reference/config.md). A missing or invalid variable stops the function at load, naming the variable.
const { createCloudFunction, loadConfigFromEnv } = require('miniprogram-phone-proxy');

// HOST and PORT are for the HTTP server only.
const { host, port, ...options } = loadConfigFromEnv();

// Created once per container: a warm container keeps its de-duplication memory and rate-limit counters.
exports.main = createCloudFunction(options);
