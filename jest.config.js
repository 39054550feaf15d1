// One jest run for the whole repository: each project owns its own config.
module.exports = {
  projects: [
    '<rootDir>/test/jest.config.js',
    '<rootDir>/test/e2e/jest.config.js',
    '<rootDir>/proxy/jest.config.js',
    '<rootDir>/docs/test/jest.config.js',
  ],
  // Reporters are run-wide: after the summary, a banner when Redis suites were skipped for want of redis-server.
  reporters: ['default', '<rootDir>/proxy/test/redis/skipped-redis-reporter.js'],
};
