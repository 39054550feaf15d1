// Every option's default lives once, in DEFAULTS (config/defaults.ts): each option's JSDoc @default in options.ts and
// server-options.ts says the same value, every default is tagged on its option, and DEFAULTS cannot be changed.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { DEFAULTS } from '../src/config';

const CONFIG = resolve(__dirname, '..', 'src', 'config');
/** Where each options interface's defaults sit in DEFAULTS (ProxyOptions at the top). */
const SECTION: Record<string, string | undefined> = {
  ProxyOptions: undefined,
  AuthingOptions: 'authing',
  AssertionOptions: 'assertion',
  StoreOptions: 'store',
  ListenOptions: 'listen',
};

/** `{ max: 60, level: 'info' }` -> the value, for the few literal shapes a @default holds. */
function literal(text: string): unknown {
  return JSON.parse(text.replace(/'/g, '"').replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":')) as unknown;
}

/** "ProxyOptions.routePath" -> '/phone', from every @default tag of the options' interfaces. */
function taggedDefaults(): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const file of ['options.ts', 'server-options.ts']) {
    const source = ts.createSourceFile(file, readFileSync(resolve(CONFIG, file), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement) || !(statement.name.text in SECTION)) continue;
      for (const member of statement.members) {
        const tag = ts.getJSDocTags(member).find((candidate) => candidate.tagName.text === 'default');
        if (tag === undefined || member.name === undefined) continue;
        found[`${statement.name.text}.${member.name.getText(source)}`] = literal(ts.getTextOfJSDocComment(tag.comment) ?? '');
      }
    }
  }
  return found;
}

/** The same keys, read from DEFAULTS (`env`, the CLI's HOST and PORT, has no options interface). */
function expectedDefaults(): Record<string, unknown> {
  const expected: Record<string, unknown> = {};
  const sections = new Set(Object.values(SECTION));
  for (const [key, value] of Object.entries(DEFAULTS)) {
    if (key === 'env') continue;
    if (!sections.has(key)) expected[`ProxyOptions.${key}`] = value;
  }
  for (const [name, section] of Object.entries(SECTION)) {
    if (section === undefined) continue;
    for (const [key, value] of Object.entries(DEFAULTS[section as keyof typeof DEFAULTS])) expected[`${name}.${key}`] = value;
  }
  return expected;
}

describe('DEFAULTS', () => {
  it('matches the @default tag of every option, and every default is tagged', () => {
    expect(taggedDefaults()).toEqual(expectedDefaults());
  });

  it('is frozen all the way down', () => {
    const unfrozen = [DEFAULTS, ...Object.values(DEFAULTS).filter((value) => typeof value === 'object')].filter((value) => !Object.isFrozen(value));
    expect(unfrozen).toEqual([]);
  });
});
