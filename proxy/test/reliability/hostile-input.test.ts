// Property-based fuzzing of what a caller controls: bodies, content types, sizes and headers. Whatever arrives,
// the answer is a documented 4xx JSON error or, for a valid code from an allowed caller, the DTO; never a 5xx.
import http from 'node:http';
import fc from 'fast-check';
import { ALLOWED_APPID, REFERER, expectServing, parseAnswer, send, startRig, type Answer, type Rig } from './harness';

const NUM_RUNS = 200;
const HEX = fc.constantFrom(...'0123456789abcdef');

/** Every answer must be JSON per the contract and below 500. */
function expectClientSafe(answer: Answer): ReturnType<typeof parseAnswer> {
  expect(answer.status).toBeLessThan(500);
  return parseAnswer(answer);
}

const jsonText = (value: unknown) => JSON.stringify(value) ?? 'null';

const bodies: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 6000 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.json({ maxDepth: 4 }),
  fc.jsonValue({ maxDepth: 4 }).map(jsonText),
  fc.double().map(String),
  fc.array(fc.string({ unit: HEX, minLength: 64, maxLength: 64 }), { maxLength: 5 }).map(jsonText),
  fc
    .oneof(
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.object(),
      fc.string({ unit: 'binary', maxLength: 200 }),
    )
    .map((code) => jsonText({ code })),
  fc.record({ code: fc.string({ unit: HEX, minLength: 64, maxLength: 64 }), extra: fc.jsonValue({ maxDepth: 3 }) }).map(jsonText),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'{"code":'.repeat(depth)}"x"${'}'.repeat(depth)}`),
  fc.integer({ min: 1, max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
  fc.integer({ min: 3000, max: 300_000 }).map((length) => jsonText({ code: 'a'.repeat(length) })),
);

/** Mostly JSON, so that bodies reach the parser and the route; the rest probes content negotiation. */
const contentTypes: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json; charset=latin1',
      'application/json;;;',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 60 }).filter((value) => !/[^\t\x20-\x7e]/.test(value)) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

describe('hostile input', () => {
  let rig: Rig;
  let agent: http.Agent;

  beforeAll(async () => {
    rig = await startRig();
    agent = new http.Agent({ keepAlive: true });
  });

  afterAll(async () => {
    agent.destroy();
    await rig.close();
  });

  test('random bodies, content types and framing: a 4xx JSON error or the DTO', async () => {
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, fc.boolean(), async (body, contentType, chunked) => {
        const headers: http.OutgoingHttpHeaders = { referer: REFERER };
        if (contentType !== undefined) headers['content-type'] = contentType;
        expectClientSafe(await send(rig.url, { headers, body, chunked }, agent));
      }),
      { numRuns: NUM_RUNS },
    );
    await expectServing(rig);
  }, 30_000);

  test('oversized bodies are refused with 413, announced or streamed', async () => {
    const body = JSON.stringify({ code: 'a'.repeat(1024 * 1024) });
    for (const chunked of [false, true]) {
      const answer = await send(rig.url, { headers: { 'content-type': 'application/json', referer: REFERER }, body, chunked });
      expect(answer.status).toBe(413);
      expect(parseAnswer(answer)).toMatchObject({ kind: 'error', error: 'INVALID_REQUEST' });
    }
    await expectServing(rig);
  });

  const printable = (maxLength: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
  const referers = fc.option(
    fc.oneof(
      printable(200),
      fc.integer({ min: 1000, max: 12_000 }).map((length) => `https://servicewechat.com/${'w'.repeat(length)}/1/page-frame.html`),
      fc
        .tuple(
          fc.constantFrom(ALLOWED_APPID, 'wx0000000000000000', '', '..', ALLOWED_APPID.toUpperCase()),
          fc.constantFrom('0', '7', 'devtools', '-1', '1.0', '', '%30'),
        )
        .map(([appId, version]) => `https://servicewechat.com/${appId}/${version}/page-frame.html`),
      printable(40).map((junk) => `${REFERER}${junk}`),
    ),
    { nil: undefined },
  );
  const headerName = fc
    .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-'), minLength: 1, maxLength: 20 })
    .filter((name) => !/^-|content-|transfer-|host$|^connection$|^expect$|^referer$|^upgrade$|^te$/.test(name));
  const extraHeaders = fc.dictionary(headerName, printable(200), { maxKeys: 6 });

  test('random Referers and headers: the DTO exactly when the allow-list matches, else 403', async () => {
    let serial = 0;
    await fc.assert(
      fc.asyncProperty(referers, extraHeaders, async (referer, extra) => {
        const code = `${'f'.repeat(48)}${(serial++).toString(16).padStart(16, '0')}`;
        const headers: http.OutgoingHttpHeaders = { ...extra, 'content-type': 'application/json', 'x-request-id': 'forged-id' };
        if (referer !== undefined) headers.referer = referer;
        const answer = await send(rig.url, { headers, body: JSON.stringify({ code }) }, agent);
        const parsed = expectClientSafe(answer);
        const allowed =
          referer !== undefined && new RegExp(`^https://servicewechat\\.com/${ALLOWED_APPID}/\\d+/page-frame\\.html$`).test(referer.trim());
        expect(parsed.kind).toBe(allowed ? 'dto' : 'error');
        if (parsed.kind === 'error') expect(parsed.error).toBe('ORIGIN_FORBIDDEN');
        expect(answer.headers['x-request-id']).not.toBe('forged-id');
      }),
      { numRuns: NUM_RUNS },
    );
  }, 30_000);
});
