// `npm run docs:test`: builds the site (unless --no-build: `npm run docs:build` just did), serves it on a loopback
// port and drives Debian's Chromium through it: every page loads cleanly, every internal link and anchor resolves,
// the language switch reaches the same page, the local search finds what users search for, code blocks render, and
// screenshots of the home and component pages are saved in docs/test/artefacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH, hasChromium, INSTALL_HINT, launchChromium } from './chromium';
import { search, literalText, screenshot, switchLanguage } from './interactions';
import { checkPage, unresolvedLinks, type PageReport } from './page-checks';
import { sitePages } from './site-pages';
import { serveStatic } from './static-server';

const DOCS = join(__dirname, '..', '..');
const ARTEFACTS = join(DOCS, 'test', 'artefacts');

async function main(): Promise<number> {
  if (!hasChromium()) {
    process.stderr.write(`docs:test: ${INSTALL_HINT}\n`);
    return 1;
  }
  const started = Date.now();
  if (!process.argv.includes('--no-build')) {
    const { build } = await import('vitepress'); // ES modules only
    await build(DOCS);
  }
  const built = Date.now();
  const site = await serveStatic(join(DOCS, '.vitepress', 'dist'));
  const browser = await launchChromium();
  const problems: string[] = [];
  try {
    const pages = sitePages(DOCS);
    const reports = new Map<string, PageReport>();
    for (const page of pages) {
      const report = await checkPage(browser.context, site.url, page);
      reports.set(page.path, report);
      problems.push(...report.problems.map((problem) => `${page.path}: ${problem}`));
    }
    problems.push(...unresolvedLinks(reports));
    problems.push(...(await switchLanguage(browser.context, site.url, '/component/phone-button.html', /^The .*phone-button.* component/)));
    problems.push(...(await switchLanguage(browser.context, site.url, '/en/faq.html', /排障/)));
    for (const [from, query, expected] of [
      ['/', '1400001', '/faq.html'],
      ['/', 'ALLOW_DEVTOOLS', '/reference/config.html'],
      ['/en/', '1400001', '/en/faq.html'],
      ['/en/', 'ALLOW_DEVTOOLS', '/en/reference/config.html'],
    ] as const) {
      problems.push(...(await search(browser.context, site.url, from, query, expected)));
    }
    problems.push(...(await literalText(browser.context, site.url, '/component/phone-button.html', 'no-quota-toast="{{ false }}"')));
    mkdirSync(ARTEFACTS, { recursive: true });
    const shots = [
      await screenshot(browser.context, site.url, '/', join(ARTEFACTS, 'home-zh.png')),
      await screenshot(browser.context, site.url, '/en/', join(ARTEFACTS, 'home-en.png')),
      await screenshot(browser.context, site.url, '/component/phone-button.html', join(ARTEFACTS, 'component-zh.png')),
      await screenshot(browser.context, site.url, '/component/phone-button.html', join(ARTEFACTS, 'component-zh-full.png'), true),
      await screenshot(browser.context, site.url, '/en/component/phone-button.html', join(ARTEFACTS, 'component-en.png')),
    ];
    process.stdout.write(
      `docs:test: ${pages.length} pages, ${[...reports.values()].reduce((sum, report) => sum + report.links.length, 0)} internal links checked in ${CHROMIUM_PATH}` +
        ` (build ${((built - started) / 1000).toFixed(1)} s, browser ${((Date.now() - built) / 1000).toFixed(1)} s)\n` +
        `screenshots: ${shots.join(', ')}\n`,
    );
  } finally {
    await browser.close();
    await site.close();
  }
  for (const problem of problems) process.stderr.write(`FAIL ${problem}\n`);
  process.stdout.write(problems.length === 0 ? 'docs:test: all checks passed\n' : `docs:test: ${problems.length} problem(s)\n`);
  return problems.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`docs:test: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
