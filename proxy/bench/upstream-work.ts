// What the proxy does per exchange that differs between the Authing and the WeChat upstream, in a loop in one process
// (CPU µs per call, best and median of 5 runs of 100 000): the request body, and decoding and classifying the success
// answer each sandbox gives (Authing's envelope with its requestId and 操作成功 message; WeChat's bare errcode/phone_info).
// Run: npx tsx bench/upstream-work.ts. Figures: RESULTS.md, "Issue 21".
import { randomBytes } from 'node:crypto';
import { classifyResponse } from '../src/exchange/classify';
import { classifyWechat } from '../src/exchange/upstreams/wechat-classify';
import { success } from '../src/sandbox/envelopes';

const code = randomBytes(32).toString('hex');
const phone = { phoneNumber: '13812345678', purePhoneNumber: '13812345678', countryCode: '86' };
const watermark = { timestamp: 1_700_000_000, appid: 'wx0123456789abcdef' };
const authingAnswer = Buffer.from(
  success({ shape: 'phone_info', ...phone, timestampSeconds: watermark.timestamp, wechatAppId: watermark.appid }).body,
);
const wechatAnswer = Buffer.from(JSON.stringify({ errcode: 0, errmsg: 'ok', phone_info: { ...phone, watermark } }));

function microsPerCall(work: () => unknown): { best: number; median: number } {
  for (let i = 0; i < 20_000; i++) work();
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const before = process.cpuUsage();
    for (let i = 0; i < 100_000; i++) work();
    const used = process.cpuUsage(before);
    runs.push((used.user + used.system) / 100_000);
  }
  runs.sort((a, b) => a - b);
  return { best: runs[0], median: runs[2] };
}

const cases: Array<[string, () => unknown]> = [
  ['Authing: request body', () => JSON.stringify({ code, extIdpConnidentifier: 'wechat-miniprogram-sandbox' })],
  ['WeChat: request body', () => JSON.stringify({ code })],
  ['Authing: answer decoded + classified', () => classifyResponse({ status: 200, body: authingAnswer.toString('utf8') }, code)],
  ['WeChat: answer decoded + classified', () => classifyWechat({ status: 200, body: wechatAnswer.toString('utf8') }, code)],
  ['Authing: answer decoded only', () => authingAnswer.toString('utf8')],
  ['WeChat: answer decoded only', () => wechatAnswer.toString('utf8')],
];
console.log(`answer bytes: Authing ${authingAnswer.length}, WeChat ${wechatAnswer.length}`);
for (const [name, work] of cases) {
  const { best, median } = microsPerCall(work);
  console.log(`${name.padEnd(40)} ${best.toFixed(2)} µs (median ${median.toFixed(2)})`);
}
