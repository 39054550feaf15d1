// The upstream: the Authing sandbox, lenient codes, no latency. Answers the runner's "calls for code" questions.
import { startSandbox } from '../../src/sandbox/index';
import { AUTHING_APP_ID, EXT_IDP_CONNIDENTIFIER, answerQuestions, serve } from './common';

async function main(): Promise<void> {
  const sandbox = await startSandbox({ host: '127.0.0.1', port: 0, appId: AUTHING_APP_ID, extIdpConnidentifier: EXT_IDP_CONNIDENTIFIER });
  answerQuestions((question) => (question.type === 'callsFor' ? sandbox.callsFor(question.code) : undefined));
  serve(sandbox.url, () => sandbox.close());
}

void main();
