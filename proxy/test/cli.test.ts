// The CLI as a real child process (TypeScript sources through tsx): production start-up, graceful shutdown, dev.
import { runCli as run } from './cli-run';
import { startSandbox } from '../src/sandbox';
import { APP_ID, closedPortUrl, postJson } from './helpers';

jest.setTimeout(20_000);

it('refuses to start in production without Authing settings, naming the variables', async () => {
  const cli = run([], {});
  expect(await cli.exited).toBe(1);
  expect(cli.stderr).toContain('AUTHING_APP_HOST');
  expect(cli.stderr).toContain('AUTHING_EXT_IDP_CONNIDENTIFIER');
  expect(cli.stderr).toContain('miniprogram-phone-proxy dev');
  expect(cli.stdout).not.toContain('listening');
});

it('REDIS_URL unreachable: exits 1 naming REDIS_URL, the password never shown', async () => {
  const sandbox = await startSandbox({ appId: APP_ID });
  try {
    const cli = run([], {
      AUTHING_APP_HOST: sandbox.url,
      AUTHING_APP_ID: APP_ID,
      AUTHING_EXT_IDP_CONNIDENTIFIER: 'wechat-miniprogram-sandbox',
      PORT: '0',
      REDIS_URL: `redis://:s3cret@127.0.0.1:${new URL(await closedPortUrl()).port}`,
    });
    expect(await cli.exited).toBe(1);
    expect(cli.stderr).toMatch(/REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(cli.stderr + cli.stdout).not.toContain('s3cret');
  } finally {
    await sandbox.close();
  }
});

it('names a wrong variable', async () => {
  const authing = { AUTHING_APP_HOST: 'https://example.authing.cn', AUTHING_APP_ID: 'a', AUTHING_EXT_IDP_CONNIDENTIFIER: 'c' };
  const [cli, trustProxy] = [run([], { ...authing, PORT: 'http' }), run([], { ...authing, TRUST_PROXY: 'abc' })];
  expect(await cli.exited).toBe(1);
  expect(cli.stderr).toMatch(/PORT: must be a whole number/);
  expect(await trustProxy.exited).toBe(1);
  expect(trustProxy.stderr).toMatch(/configuration error: TRUST_PROXY: must be/);
});

it('rejects arguments it does not take with a usage error (exit 2), before reading the configuration', async () => {
  const [serve, unknown, badFlag] = [run(['serve', '--port', '9000'], {}), run(['serv'], {}), run(['sandbox', '--prot', '1'], {})];
  expect(await serve.exited).toBe(2);
  expect(serve.stderr).toContain('serve takes no arguments (got --port 9000)');
  expect(serve.stderr).toContain('PORT=9000');
  expect(await unknown.exited).toBe(2);
  expect(unknown.stderr).toContain('unknown command serv');
  expect(await badFlag.exited).toBe(2);
  expect(badFlag.stderr).toContain('unknown option --prot');
  const [devFlag, devPort] = [run(['dev', '--prot', '1'], {}), run(['dev', '--port', '99999'], {})];
  expect(await devFlag.exited).toBe(2);
  expect(devFlag.stderr).toContain('dev: unknown option --prot');
  expect(await devPort.exited).toBe(2);
  expect(devPort.stderr).toContain('dev: --port must be an integer 0..65535, got 99999');
});

it('--help documents every command, serve included', async () => {
  const help = run(['--help'], {});
  expect(await help.exited).toBe(0);
  expect(help.stdout).toMatch(/miniprogram-phone-proxy \[serve\]/);
  expect(help.stdout).toContain('miniprogram-phone-proxy dev');
  expect(help.stdout).toContain('miniprogram-phone-proxy sandbox');
});

it('serves from the environment and on SIGTERM finishes the in-flight exchange, then exits 0', async () => {
  const sandbox = await startSandbox({ appId: APP_ID });
  const cli = run([], {
    AUTHING_APP_HOST: sandbox.url,
    AUTHING_APP_ID: APP_ID,
    AUTHING_EXT_IDP_CONNIDENTIFIER: 'wechat-miniprogram-sandbox',
    HOST: '127.0.0.1',
    PORT: '0',
  });
  try {
    const [, url] = await cli.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"/);
    const code = sandbox.mintCode();
    sandbox.inject({ kind: 'latency', ms: 400 });
    const inFlight = postJson(`${url}/phone`, { code });
    while (sandbox.calls === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    cli.child.kill('SIGTERM');
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual(sandbox.phoneFor(code));
    expect(answer.body.assertion).toBeUndefined(); // serve signs only with a key it is given
    expect(await cli.exited).toBe(0);
    expect(cli.stdout).not.toContain(code);
  } finally {
    cli.child.kill('SIGKILL');
    await sandbox.close();
  }
});

it('dev --upstream wechat: the WeChat sandbox (stable_token + getuserphonenumber) behind the proxy', async () => {
  const cli = run(['dev', '--port', '0', '--upstream', 'wechat'], {});
  try {
    const [, url] = await cli.waitFor(/Proxy for the demo mini program: (http:\S+)/);
    const answer = await postJson(
      url,
      { code: 'e'.repeat(64) },
      { referer: 'https://servicewechat.com/wx1234567890abcdef/devtools/page-frame.html' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ countryCode: '86' });
    expect(cli.stdout).toMatch(/WeChat sandbox .*never for production/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  } finally {
    cli.child.kill('SIGKILL');
  }
});

it('dev: starts the sandbox and the proxy wired to it, with no Referer allow-list (the devtools Referer passes)', async () => {
  const cli = run(['dev', '--port', '0'], {});
  try {
    const [, url] = await cli.waitFor(/Proxy for the demo mini program: (http:\S+)/);
    const answer = await postJson(
      url,
      { code: 'f'.repeat(64) },
      { referer: 'https://servicewechat.com/wx1234567890abcdef/devtools/page-frame.html' },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ countryCode: '86' });
    expect(cli.stdout).toMatch(/Authing sandbox .*never for production/);
    expect(typeof answer.body.assertion).toBe('string');
    expect(cli.stdout).toMatch(/ephemeral signing key, not for production \(aud demo-app-backend; keys at http:\S+\/\.well-known\/jwks\.json\)/);
    expect(cli.stdout + cli.stderr).not.toMatch(/PRIVATE KEY|"d":/);
    expect(cli.stdout).not.toContain(answer.body.assertion as string);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  } finally {
    cli.child.kill('SIGKILL');
  }
});
