// The proxy's own jest project (the root config lists it): Node environment, swc transform, tests in test/.
module.exports = {
  displayName: 'proxy',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // cookie 2 (required by fastify's inject, used by createFetchHandler) is ESM-only: Node 20.19+ loads it with
    // require(esm), jest's module loader does not, so it is compiled to CommonJS for the tests.
    '/node_modules/cookie/.+\\.js$': ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
};
