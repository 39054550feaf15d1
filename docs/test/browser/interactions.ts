// What a reader does: switch the language, search, look at the pages. Each returns the problems it found.
import type { BrowserContext, Page } from 'playwright-core';
import { counterpart } from './site-pages';

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'networkidle' });
  return page;
}

/** Clicks the language menu's other language and checks it lands on the same page, in that language. */
export async function switchLanguage(context: BrowserContext, origin: string, path: string, expectedHeading: RegExp): Promise<string[]> {
  const page = await open(context, origin + path);
  try {
    await page.hover('.VPNavBarTranslations');
    await page.click(`.VPNavBarTranslations a[href="${counterpart(path)}"]`);
    await page.waitForURL(origin + counterpart(path));
    const heading = (await page.textContent('h1')) ?? '';
    return expectedHeading.test(heading) ? [] : [`switching language from ${path}: heading "${heading}" is not ${expectedHeading}`];
  } catch (error) {
    return [`switching language from ${path}: ${(error as Error).message.split('\n')[0]}`];
  } finally {
    await page.close();
  }
}

/** Types the query into the local search and checks that a result leads to the expected page. */
export async function search(context: BrowserContext, origin: string, from: string, query: string, expectedPath: string): Promise<string[]> {
  const page = await open(context, origin + from);
  try {
    await page.click('.DocSearch-Button');
    await page.fill('.VPLocalSearchBox input', query);
    await page.waitForSelector('#localsearch-list a.result', { timeout: 10_000 });
    const hits = await page.$$eval('#localsearch-list a.result', (anchors) =>
      anchors.map((anchor) => new URL((anchor as HTMLAnchorElement).href).pathname),
    );
    return hits.includes(expectedPath) ? [] : [`search for "${query}" from ${from}: no result on ${expectedPath} (got ${hits.join(', ')})`];
  } catch (error) {
    return [`search for "${query}" from ${from}: ${(error as Error).message.split('\n')[0]}`];
  } finally {
    await page.close();
  }
}

/** Text that Vue must leave alone: `{{ ... }}` written in the docs reaches the reader as written. */
export async function literalText(context: BrowserContext, origin: string, path: string, text: string): Promise<string[]> {
  const page = await open(context, origin + path);
  try {
    const body = (await page.textContent('.vp-doc')) ?? '';
    return body.includes(text) ? [] : [`${path} does not show ${text} as written`];
  } finally {
    await page.close();
  }
}

/** A screenshot (of the viewport, or the full page), a test artefact to look at (CJK glyphs, layout). */
export async function screenshot(context: BrowserContext, origin: string, path: string, file: string, fullPage = false): Promise<string> {
  const page = await open(context, origin + path);
  try {
    await page.screenshot({ path: file, fullPage });
    return file;
  } finally {
    await page.close();
  }
}
