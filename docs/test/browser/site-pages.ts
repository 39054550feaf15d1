// The pages the site must have: one per markdown source, with what the browser should find on it.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface SitePage {
  /** The markdown source, relative to docs/. */
  source: string;
  /** Where the built page is served, e.g. /component/phone-button.html or /en/. */
  path: string;
  /** How many fenced code blocks the source holds: each must render as a highlighted block. */
  codeBlocks: number;
}

function markdownFiles(dir: string, root: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'test') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path, root);
    return entry.name.endsWith('.md') ? [relative(root, path)] : [];
  });
}

/** /index.html is served as /, /en/index.html as /en/ (VitePress links them so). */
export function pathOf(source: string): string {
  const html = `/${source.replace(/\.md$/, '.html')}`;
  return html.endsWith('/index.html') ? html.slice(0, -'index.html'.length) : html;
}

export function sitePages(docsDir: string): SitePage[] {
  return markdownFiles(docsDir, docsDir)
    .sort()
    .map((source) => {
      const fences = readFileSync(join(docsDir, source), 'utf8')
        .split('\n')
        .filter((line) => /^```/.test(line)).length;
      return { source, path: pathOf(source), codeBlocks: fences / 2 };
    });
}

/** The same page in the other language: /x.html <-> /en/x.html. */
export function counterpart(path: string): string {
  return path.startsWith('/en/') ? path.slice('/en'.length) : `/en${path}`;
}
