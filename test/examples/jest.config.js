// The examples/ project: each example installed from the packed tarballs and started against the Authing sandbox.
// Not in the root config's projects: `npm run test:examples` installs the examples first (after release:check packed
// the tarballs), then runs it.
module.exports = {
  displayName: 'examples',
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
