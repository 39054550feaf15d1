// The upstream: the Authing sandbox, lenient codes, no latency (BENCH_UPSTREAM=wechat: the WeChat sandbox, whose
// watermark names the bench's mini program). Answers the runner's "calls for code" questions.
import { startSandbox, startWechatSandbox } from '../../src/sandbox/index';
import { AUTHING_APP_ID, EXT_IDP_CONNIDENTIFIER, MINIPROGRAM_APPID, answerQuestions, serve } from './common';

async function main(): Promise<void> {
  if (process.env.BENCH_UPSTREAM === 'wechat') {
    const wechat = await startWechatSandbox({ host: '127.0.0.1', appId: MINIPROGRAM_APPID });
    answerQuestions((question) => (question.type === 'callsFor' ? wechat.callsFor(question.code) : undefined));
    return serve(wechat.url, () => wechat.close());
  }
  const sandbox = await startSandbox({ host: '127.0.0.1', port: 0, appId: AUTHING_APP_ID, extIdpConnidentifier: EXT_IDP_CONNIDENTIFIER });
  answerQuestions((question) => (question.type === 'callsFor' ? sandbox.callsFor(question.code) : undefined));
  serve(sandbox.url, () => sandbox.close());
}

void main();
