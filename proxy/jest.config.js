// The proxy's own jest project (the root config lists it): Node environment, swc transform, tests in test/.
module.exports = {
  displayName: 'proxy',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
  },
};
