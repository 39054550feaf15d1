// The log's safety nets, each on its own: redaction by path (every path listed here must stay in the logger's
// list: removing one fails its row), and the scrub of upstream text (the code in any case, 11+ digit runs), both
// as a function and through the real proxy with an upstream that echoes what it was sent.
import { createLogger, summaryLogger } from '../../src/observability/logging';
import { MAX_LOGGED_TEXT, scrubLogFields, scrubLogText } from '../../src/observability/scrub';
import { LogCapture } from '../helpers';
import { postCode, startRig } from './harness';

const SECRET = 'secret-7d1c0a9e';
const CODE = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const PHONE = '13812348000';

/** One log object per path the logger must censor, written the way a careless log call would. */
const REDACTED_PATHS: Array<[string, Record<string, unknown>]> = [
  ['code', { code: SECRET }],
  ['body.code', { body: { code: SECRET } }],
  ['phoneNumber', { phoneNumber: SECRET }],
  ['purePhoneNumber', { purePhoneNumber: SECRET }],
  ['data.phoneNumber', { data: { phoneNumber: SECRET } }],
  ['data.purePhoneNumber', { data: { purePhoneNumber: SECRET } }],
  ['req.headers.authorization', { req: { headers: { authorization: SECRET } } }],
  ['req.headers.cookie', { req: { headers: { cookie: SECRET } } }],
  ['headers.authorization', { headers: { authorization: SECRET } }],
  ['headers.cookie', { headers: { cookie: SECRET } }],
  ['assertion', { assertion: SECRET }],
  ['*.assertion', { body: { assertion: SECRET } }],
  ['privateKey', { privateKey: SECRET }],
  ['*.privateKey', { options: { privateKey: SECRET } }],
  ['*.*.privateKey', { options: { signing: { privateKey: SECRET } } }],
];

/** The value at a dotted path of a logged record (`*` stands for the one key the row's object has there). */
function valueAt(record: unknown, path: string, example: Record<string, unknown>): unknown {
  let value: unknown = record;
  let shape: unknown = example;
  for (const segment of path.split('.')) {
    const key = segment === '*' ? Object.keys(shape as object)[0] : segment;
    value = (value as Record<string, unknown> | undefined)?.[key];
    shape = (shape as Record<string, unknown>)[key];
  }
  return value;
}

describe('log redaction by path', () => {
  test.each(REDACTED_PATHS)('%s is censored', (path, fields) => {
    const logs = new LogCapture();
    createLogger({ level: 'info', stream: logs })!.info({ ...fields, kept: 'visible' }, 'a line');
    const [record] = logs.records();
    expect(valueAt(record, path, fields)).toBe('[redacted]');
    expect(record.kept).toBe('visible'); // the line itself was written, only the path censored
    expect(logs.text).not.toContain(SECRET);
  });
});

describe("the exchange's summary logger (its redaction spelled out for its one object field, detail)", () => {
  const withoutTime = (line: string): string => line.replace(/"time":\d+,/, '');
  const detailRows = [
    ...REDACTED_PATHS.map(([, fields]) => fields),
    { assertion: SECRET },
    { privateKey: SECRET },
    { signing: { privateKey: SECRET } },
  ];

  test.each(detailRows)('a summary line with detail %j is written exactly as the full logger writes it', (detail) => {
    const [full, summary] = [new LogCapture(), new LogCapture()];
    const line = { reqId: 'r-1', outcome: 'UPSTREAM_ERROR', statusCode: 502, ms: 3, codeHash: 'abcdefabcdef', detail };
    createLogger({ level: 'info', stream: full })!.warn(line, 'phone exchange');
    summaryLogger(createLogger({ level: 'info', stream: summary })!)('warn', line, 'phone exchange');
    expect(summary.lines.map(withoutTime)).toEqual(full.lines.map(withoutTime));
    expect(summary.lines).toHaveLength(1);
  });

  test("follows its logger's level, also when it changes", () => {
    const logs = new LogCapture();
    const logger = createLogger({ level: 'info', stream: logs })!;
    const summary = summaryLogger(logger);
    summary('info', { n: 1 }, 'phone exchange');
    logger.level = 'warn';
    summary('info', { n: 2 }, 'phone exchange');
    summary('warn', { n: 3 }, 'phone exchange');
    expect(logs.records().map((record) => [record.n, record.level])).toEqual([
      [1, 30],
      [3, 40],
    ]);
  });

  test.each(REDACTED_PATHS.filter(([path]) => !path.includes('*')))('%s at the top level is still censored', (path, fields) => {
    const logs = new LogCapture();
    summaryLogger(createLogger({ level: 'info', stream: logs })!)('info', { ...fields, kept: 'visible' }, 'a line');
    const [record] = logs.records();
    expect(valueAt(record, path, fields)).toBe('[redacted]');
    expect(logs.text).not.toContain(SECRET);
  });
});

describe('scrubbing upstream text', () => {
  test.each([
    [`invalid code ${CODE}`, 'invalid code [code]'],
    [`code ${CODE.toUpperCase()} rejected`, 'code [code] rejected'],
    [`${CODE.slice(0, 16).toUpperCase()}${CODE.slice(16)}, rid: 1`, '[code], rid: 1'],
    [`phone ${PHONE} and +86${PHONE} and 008613812348000`, 'phone [digits] and +[digits] and [digits]'],
    ['errcode 40029, rid: 64f0a1b2-1234567890', 'errcode 40029, rid: 64f0a1b2-1234567890'],
    [`${CODE}${CODE.toUpperCase()} and ${CODE}`, '[code][code] and [code]'],
    // Lower-casing İ makes the text longer: the code is still found where it is.
    [`İİ ${CODE.toUpperCase()} İ`, 'İİ [code] İ'],
  ])('%s -> %s', (text, expected) => {
    expect(scrubLogText(text, CODE)).toBe(expected);
  });

  test('bounded, and the bound is applied after the scrub', () => {
    const scrubbed = scrubLogText(`${'x'.repeat(MAX_LOGGED_TEXT - 5)}${PHONE}${'y'.repeat(50)}`);
    expect(scrubbed).not.toMatch(/\d{5}/);
    expect(scrubbed.length).toBe(MAX_LOGGED_TEXT + 1);
  });

  test('every string of a detail object is scrubbed when the line is written', () => {
    const logs = new LogCapture();
    createLogger({ level: 'info', stream: logs })!.warn({ detail: { errorMessage: `connect to +${PHONE}`, upstreamStatus: 500 } }, 'failure');
    expect(logs.records()[0].detail).toEqual({ errorMessage: 'connect to +[digits]', upstreamStatus: 500 });
    expect(scrubLogFields(`tel ${PHONE}`)).toBe('tel [digits]');
  });
});

describe('an upstream that echoes the code and a phone number', () => {
  test('its message reaches the log scrubbed, and the client sees none of it', async () => {
    const rig = await startRig();
    try {
      const code = rig.sandbox.mintCode();
      const echoed = `errcode 99999 for ${code.toUpperCase()} / ${code}, user +86${PHONE}`;
      rig.sandbox.inject({ kind: 'envelope', statusCode: 602, message: echoed });
      const answer = await postCode(rig.url, code);
      expect(answer.status).toBe(502);
      expect(answer.text).not.toContain(PHONE);

      const line = rig.logs.records().find((record) => record.msg === 'phone exchange' && record.outcome === 'UPSTREAM_ERROR');
      expect((line?.detail as { upstreamMessage?: string })?.upstreamMessage).toBe('errcode 99999 for [code] / [code], user +[digits]');
      expect(rig.logs.text.toLowerCase()).not.toContain(code.toLowerCase());
      expect(rig.logs.text).not.toContain(PHONE);
    } finally {
      await rig.close();
    }
  });
});
