// The getPhoneNumber cloud function on the installed package: `npm install` here (or 「云端安装依赖」 once the package
// is on the registry). The repository's `npm run build:cloudfunction` bundles this same entry into
// cloudfunctions/getPhoneNumber, which needs no install at all. Configured by the function's environment variables
// (AUTHING_APP_HOST, ALLOWED_APPIDS...: see miniprogram-phone-proxy's README); a missing one stops it at load.
const { createCloudFunction, loadConfigFromEnv } = require('miniprogram-phone-proxy');

// HOST and PORT are for the HTTP server only.
const { host, port, ...options } = loadConfigFromEnv();

// Created once per container: a warm container keeps its de-duplication memory and rate-limit counters.
exports.main = createCloudFunction(options);
