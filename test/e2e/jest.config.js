// End-to-end project (the root config lists it): the BUILT component and the BUILT proxy over real loopback HTTP.
// Node environment, because the proxy's servers need it; the harness gives miniprogram-simulate its own DOM.
module.exports = {
  displayName: 'e2e',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // jose is ESM only: Node 20.19+ require()s it, jest's module system cannot, so swc turns it into CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
