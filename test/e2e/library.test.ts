/**
 * The library path (`configure` + `exchangePhoneCode` from the built miniprogram_dist/index.js), for pages with
 * their own button, end to end; and why a client retry is safe: a code never reaches Authing twice.
 */
import { rejectionDetail } from '../helpers/rejection';
import { MINI_PROGRAM_APPID, startChain, type Chain } from './harness/chain';
import { loadLibrary, useRealNetwork } from './harness/mini-program';

const { configure, exchangePhoneCode, PhoneExchangeError } = loadLibrary();
const allow = (code: string) => ({ errMsg: 'getPhoneNumber:ok', code });

let chain: Chain;

beforeAll(async () => {
  useRealNetwork({ appid: MINI_PROGRAM_APPID });
  chain = await startChain();
  configure({ endpoint: chain.endpoint, timeout: 5000 });
});
afterAll(() => chain.close());
afterEach(() => chain.sandbox.clearFaults());

const failureOf = (exchange: Promise<unknown>) => rejectionDetail(exchange, PhoneExchangeError);

test('exchangePhoneCode resolves with the proxy DTO for a consented detail', async () => {
  const code = chain.sandbox.mintCode();

  const result = await exchangePhoneCode(allow(code));

  expect(result).toMatchObject({ statusCode: 200, data: chain.sandbox.phoneFor(code) });
  expect(typeof result.requestId).toBe('string');
});

test('exchangePhoneCode rejects with the same error detail the component emits', async () => {
  const code = chain.sandbox.mintCode();
  await chain.spendElsewhere(code);

  const detail = await failureOf(exchangePhoneCode(allow(code)));

  expect(detail).toMatchObject({ reason: 'rejected', error: 'CODE_REJECTED', statusCode: 422 });
});

test('a retry after a lost response gets the DTO and does not spend the code twice', async () => {
  const code = chain.sandbox.mintCode();
  // The first answer comes after the client has given up: for the page, the response is lost.
  chain.sandbox.inject({ kind: 'latency', ms: 300 });

  const lost = await failureOf(exchangePhoneCode(allow(code), { timeout: 100 }));
  const retried = await exchangePhoneCode(allow(code));
  const again = await exchangePhoneCode(allow(code));

  expect(lost.reason).toBe('timeout');
  expect(retried.data).toEqual(chain.sandbox.phoneFor(code));
  expect(again.data).toEqual(retried.data);
  expect(chain.sandbox.callsFor(code)).toBe(1);
});

test('concurrent duplicates of one code share a single upstream call and the same DTO', async () => {
  const code = chain.sandbox.mintCode();
  chain.sandbox.inject({ kind: 'latency', ms: 100 });

  const [first, second] = await Promise.all([exchangePhoneCode(allow(code)), exchangePhoneCode(allow(code))]);

  expect(first.data).toEqual(chain.sandbox.phoneFor(code));
  expect(second.data).toEqual(first.data);
  expect(chain.sandbox.callsFor(code)).toBe(1);
});
