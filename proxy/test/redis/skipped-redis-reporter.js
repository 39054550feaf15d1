// A jest reporter (root and proxy jest configs): after the summary, a banner counting the Redis tests skipped because
// redis-server is missing (describe-with-redis.ts names those suites with the marker below) and saying how to get it.
const SKIPPED_FOR_REDIS = '[skipped: no redis-server]'; // the same text as describe-with-redis.ts's SKIPPED_FOR_REDIS

class SkippedRedisReporter {
  onRunComplete(_contexts, results) {
    let tests = 0;
    const files = new Set();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status === 'pending' && (test.ancestorTitles[0] ?? '').startsWith(SKIPPED_FOR_REDIS)) {
          tests += 1;
          files.add(file.testFilePath);
        }
      }
    }
    if (tests === 0) return;
    const line = '='.repeat(78);
    // jest prints its summary after every reporter's onRunComplete: the banner waits for the exit to come after it.
    const banner = [
      '',
      line,
      `REDIS SUITES SKIPPED: ${tests} tests in ${files.size} files need redis-server, which is not on the PATH.`,
      'The Redis store is not tested by this run. To run them, install redis-server:',
      '  Debian/Ubuntu: apt-get install -y redis-server    macOS: brew install redis',
      'or set REDIS_URL to a Redis to test against. In CI (CI=true or REDIS_REQUIRED=1) they are required.',
      line,
      '',
    ].join('\n');
    process.once('exit', () => process.stderr.write(banner));
  }
}

module.exports = SkippedRedisReporter;
