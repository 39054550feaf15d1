// The reference tables of a documentation page: a table between `<!-- reference:NAME -->` and `<!-- /reference -->`
// lists one item per row, named in backticks in its first cell (`FOO`, or `FOO` / `FOO_FILE` for several).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './code-facts';

export const LANGUAGES = [
  { name: 'zh', dir: 'docs' },
  { name: 'en', dir: 'docs/en' },
] as const;

/** The names a page's reference table lists; throws when the page has no such table. */
export function listedNames(page: string, table: string): string[] {
  return tableNames(readFileSync(join(ROOT, page), 'utf8'), table, page);
}

/** The names the reference table `table` of a markdown text lists (`label` names the text in errors). */
export function tableNames(text: string, table: string, label: string): string[] {
  const start = text.indexOf(`<!-- reference:${table} -->`);
  const end = text.indexOf('<!-- /reference -->', start);
  if (start < 0 || end < 0) throw new Error(`${label} has no <!-- reference:${table} --> ... <!-- /reference --> table`);
  const rows = text
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2); // the header and the |---| line
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map(([, name]) => name));
}

/**
 * What differs between a page's table and the code, as one message naming the page, the table and each name
 * ('' when they agree), so that a failing test says exactly what to add or remove where.
 */
export function drift(page: string, table: string, inCode: readonly string[], source: string): string {
  const listed = listedNames(page, table);
  const missing = inCode.filter((name) => !listed.includes(name));
  const stale = [...new Set(listed.filter((name) => !inCode.includes(name)))];
  const repeated = [...new Set(listed.filter((name, index) => listed.indexOf(name) !== index))];
  const problems = [
    missing.length > 0 && `missing from the page (in ${source}): ${missing.join(', ')}`,
    stale.length > 0 && `listed on the page but not in ${source}: ${stale.join(', ')}`,
    repeated.length > 0 && `listed more than once: ${repeated.join(', ')}`,
  ].filter(Boolean);
  return problems.length > 0 ? `${page}, table "${table}": ${problems.join('; ')}` : '';
}
