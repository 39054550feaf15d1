// A build failure the option validation cannot foresee (a plugin that throws, say) must not be silent: it is
// logged once, and every request is answered 500 INTERNAL_ERROR in our envelope.
import { createFetchHandler, createNodeHandler } from '../src';
import { LogCapture } from './helpers';

jest.mock('../src/app', () => ({
  ...jest.requireActual<typeof import('../src/app')>('../src/app'),
  buildApp: () => Promise.reject(new Error('plugin exploded')),
}));

const authing = { appHost: 'https://example.authing.cn', appId: 'a', extIdpConnidentifier: 'c' };
const call = (handler: ReturnType<typeof createFetchHandler>) =>
  handler(new Request('https://fn.example.com/phone', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"code":"abc"}' }));

it('logs the build error once through the configured logger and answers every request 500 INTERNAL_ERROR', async () => {
  const logs = new LogCapture();
  const handler = createFetchHandler({ authing, logger: { level: 'info', stream: logs } });
  for (let i = 0; i < 2; i++) {
    const response = await call(handler);
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ statusCode: 500, error: 'INTERNAL_ERROR' });
  }
  const failures = logs.records().filter((record) => /failed to start/.test(String(record.msg)));
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatchObject({ level: 60, err: { message: 'plugin exploded' } });
  await handler.close();
});

it('with logging off, the build error still reaches stderr', async () => {
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const handler = createNodeHandler({ authing, logger: false });
    await handler.close();
    expect(stderr).toHaveBeenCalledTimes(1);
    expect(stderr.mock.calls[0]).toEqual([expect.stringContaining('failed to start'), expect.objectContaining({ message: 'plugin exploded' })]);
  } finally {
    stderr.mockRestore();
  }
});
