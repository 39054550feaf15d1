// The proxy's own jest project (the root config lists it): Node environment, swc transform, tests in test/.
module.exports = {
  displayName: 'proxy',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // jose is ESM only: Node 20.19+ require()s it, jest's module system cannot, so swc turns it into CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
