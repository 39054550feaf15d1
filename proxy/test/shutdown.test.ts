// close() stops accepting connections but lets an in-flight exchange finish with its DTO.
import { startStack } from './helpers';

it('an exchange in flight during close still gets its answer; new connections are refused', async () => {
  const stack = await startStack();
  try {
    const code = stack.sandbox.mintCode();
    stack.sandbox.inject({ kind: 'latency', ms: 300 });
    const inFlight = stack.post({ code });
    // Wait until the request reached the sandbox, then close while it waits for the answer.
    while (stack.sandbox.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = stack.proxy.close();

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual(stack.sandbox.phoneFor(code));
    await closing;
    await expect(fetch(`${stack.proxy.url}/healthz`)).rejects.toThrow();
  } finally {
    await stack.sandbox.close();
  }
});
