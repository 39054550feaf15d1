// Documentation project (the root config lists it): the reference pages checked against the code they describe.
// The browser test of the built site is `npm run docs:test` (docs/test/browser/run.ts), not part of jest.
module.exports = {
  displayName: 'docs',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/browser/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
};
