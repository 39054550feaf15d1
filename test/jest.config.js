// Component + library tests (jest + miniprogram-simulate). Every spec runs against two targets: the TypeScript
// source and the built miniprogram_dist, which users receive (see helpers/targets.ts). The dist needs a prior
// `npx gulp build`. One target's tests only: `npx jest -c test/jest.config.js -t '^source'` (or '^dist').
// test/e2e has its own configuration.
module.exports = {
  displayName: 'component',
  rootDir: __dirname,
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/e2e/'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
