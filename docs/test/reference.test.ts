// The reference pages cannot drift from the code: every environment variable, programmatic option, error code,
// component reason, property, event, external class and slot is on its page in both languages, and nothing listed
// there is gone from the code. The names come from the code (code-facts.ts); a failure names page, table and names.
import * as codeFacts from './code-facts';
import { drift, LANGUAGES, tableNames } from './reference-tables';
import { loadConfigFromEnv } from '../../proxy/src/config/env';
import { errors } from '../../proxy/src/contract/errors';

const { SOURCES } = codeFacts;
const TABLES = [
  { page: 'reference/config.md', table: 'env', names: codeFacts.envVariables, source: `${SOURCES.envDir}/*env*.ts` },
  { page: 'reference/config.md', table: 'options', names: codeFacts.proxyOptions, source: `startProxy's options (${SOURCES.startProxy})` },
  { page: 'reference/errors.md', table: 'errors', names: codeFacts.proxyErrorCodes, source: `ProxyErrorCode (${SOURCES.errors})` },
  { page: 'reference/errors.md', table: 'reasons', names: codeFacts.componentReasons, source: `PhoneErrorReason (${SOURCES.componentTypes})` },
  { page: 'component/phone-button.md', table: 'props', names: codeFacts.componentProperties, source: SOURCES.componentProps },
  { page: 'component/phone-button.md', table: 'events', names: codeFacts.componentEvents, source: `triggerEvent in ${SOURCES.component}` },
  {
    page: 'component/phone-button.md',
    table: 'external-classes',
    names: codeFacts.componentExternalClasses,
    source: `externalClasses in ${SOURCES.component}`,
  },
  { page: 'component/phone-button.md', table: 'slots', names: codeFacts.componentSlots, source: SOURCES.template },
];

describe.each(LANGUAGES)('the $name reference pages', ({ dir }) => {
  test.each(TABLES)('$page, table $table, lists exactly what the code has', ({ page, table, names, source }) => {
    expect(drift(`${dir}/${page}`, table, names(), source)).toBe('');
  });
});

describe('the names read from the code', () => {
  test('every variable loadConfigFromEnv reads is among the env names found in the source', () => {
    const read = new Set<string>();
    const required: Record<string, string> = {
      AUTHING_APP_HOST: 'https://example.authing.cn',
      AUTHING_APP_ID: 'app-id',
      AUTHING_EXT_IDP_CONNIDENTIFIER: 'connection',
    };
    const env = new Proxy(
      {},
      {
        get: (_target, name) => {
          if (typeof name === 'string') read.add(name);
          return typeof name === 'string' ? required[name] : undefined;
        },
      },
    );
    loadConfigFromEnv(env);
    const found = codeFacts.envVariables();
    expect([...read].filter((name) => !found.includes(name))).toEqual([]);
    expect(read.size).toBeGreaterThan(20);
  });

  test('every row of the error table is a ProxyErrorCode', () => {
    const codes = codeFacts.proxyErrorCodes();
    expect(
      Object.values(errors)
        .map((row) => row.error)
        .filter((code) => !codes.includes(code)),
    ).toEqual([]);
    expect(codes).toEqual(expect.arrayContaining(['CODE_REJECTED', 'REFUSED', 'HOOK_FAILED']));
  });

  test('options, reasons, properties and events are found where the code keeps them', () => {
    expect(codeFacts.proxyOptions()).toEqual(expect.arrayContaining(['authing.appHost', 'rateLimit.max', 'store.failure', 'host', 'onPhone']));
    expect(codeFacts.componentReasons()).toEqual(expect.arrayContaining(['denied', 'no-quota', 'misconfigured']));
    expect(codeFacts.componentProperties()).toEqual(expect.arrayContaining(['endpoint', 'cloud-function', 'no-quota-toast']));
    expect(codeFacts.componentEvents()).toEqual(['error', 'phone', 'privacyagree']);
    expect(codeFacts.componentSlots()).toEqual(['default']);
  });

  test('a table lists the backticked names of its first cells, several in one cell included, and nothing outside it', () => {
    const page = [
      '| `OUTSIDE` | before the table |',
      '<!-- reference:env -->',
      '| Variable | Meaning |',
      '| --- | --- |',
      '| `FOO` | a `NOT_A_NAME` in another cell |',
      '| `KEY` / `KEY_FILE` | two names |',
      '<!-- /reference -->',
      '| `AFTER` | after the table |',
    ].join('\n');
    expect(tableNames(page, 'env', 'fixture')).toEqual(['FOO', 'KEY', 'KEY_FILE']);
    expect(() => tableNames(page, 'options', 'fixture')).toThrow('fixture has no <!-- reference:options -->');
  });
});
