// Component + library tests (jest + miniprogram-simulate). Every test runs against two targets: the TypeScript
// source and the built miniprogram_dist, which users receive (see helpers/targets.ts). The dist needs a prior
// `npx gulp build`. One target's tests only: `npx jest -c test/jest.config.js -t '^source'` (or '^dist').
// test/e2e and test/examples have their own configurations.
module.exports = {
  displayName: 'component',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/**/*.test.ts'],
  // test/examples runs the examples/ projects after they are installed (npm run test:examples).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/e2e/', '<rootDir>/examples/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
