// What every page must satisfy in the browser: it loads with no console error, no page error and no failed
// request; its code blocks render highlighted; its language switch points at the same page in the other language.
// It also reports its links and its ids, so that every internal link and anchor can be resolved afterwards.
import type { BrowserContext, Page } from 'playwright-core';
import { counterpart, type SitePage } from './site-pages';

export interface PageReport {
  problems: string[];
  /** Internal links as absolute paths with their hash, e.g. /faq.html#devtools-403. */
  links: string[];
  ids: string[];
}

function watch(page: Page, origin: string, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`failed request: ${request.url()} (${request.failure()?.errorText ?? 'failed'})`));
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) problems.push(`request off the site: ${request.url()}`);
  });
}

export async function checkPage(context: BrowserContext, origin: string, sitePage: SitePage): Promise<PageReport> {
  const problems: string[] = [];
  const page = await context.newPage();
  watch(page, origin, problems);
  try {
    await page.goto(origin + sitePage.path, { waitUntil: 'networkidle' });
    const found = await page.evaluate(() => ({
      links: [...document.querySelectorAll<HTMLAnchorElement>('a[href]')].map((anchor) => anchor.href),
      ids: [...document.querySelectorAll('[id]')].map((element) => element.id),
      title: document.querySelector('h1')?.textContent ?? '',
      blocks: [...document.querySelectorAll('.vp-doc div[class*="language-"]')].map((block) => ({
        text: block.querySelector('pre code')?.textContent?.trim() ?? '',
        highlighted: block.querySelector('pre.shiki code span[style]') !== null,
        lang: /language-(\S*)/.exec(block.className)?.[1] ?? '',
      })),
      translations: [...document.querySelectorAll<HTMLAnchorElement>('.VPNavBarTranslations a[href]')].map((anchor) => new URL(anchor.href).pathname),
    }));
    if (!sitePage.path.endsWith('/') && found.title.trim() === '') problems.push('no <h1>');
    if (found.blocks.length !== sitePage.codeBlocks)
      problems.push(`${found.blocks.length} code blocks rendered, the source has ${sitePage.codeBlocks}`);
    for (const block of found.blocks) {
      if (block.text === '') problems.push('an empty code block');
      else if (block.lang !== '' && !block.highlighted) problems.push(`a ${block.lang} code block without highlighting`);
    }
    if (!found.translations.includes(counterpart(sitePage.path))) {
      problems.push(`the language switch leads to ${found.translations.join(', ') || 'nothing'}, not ${counterpart(sitePage.path)}`);
    }
    const links = found.links.filter((href) => href.startsWith(origin)).map((href) => href.slice(origin.length));
    return { problems, links, ids: found.ids };
  } finally {
    await page.close();
  }
}

/** Every internal link must reach a page of the site, and its #anchor an id on that page. */
export function unresolvedLinks(reports: ReadonlyMap<string, PageReport>): string[] {
  const unresolved = new Set<string>();
  for (const [from, report] of reports) {
    for (const link of report.links) {
      const [path, hash = ''] = link.split('#');
      const target = reports.get(path);
      if (!target) unresolved.add(`${from}: link to ${link}, which is no page of the site`);
      else if (hash !== '' && !target.ids.includes(decodeURIComponent(hash))) unresolved.add(`${from}: link to ${link}, no such anchor on ${path}`);
    }
  }
  return [...unresolved];
}
