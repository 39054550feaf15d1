// One jest run for the whole repository: each project owns its own config.
module.exports = {
  projects: ['<rootDir>/test/jest.config.js', '<rootDir>/test/e2e/jest.config.js', '<rootDir>/proxy/jest.config.js', '<rootDir>/docs/test/jest.config.js'],
};
