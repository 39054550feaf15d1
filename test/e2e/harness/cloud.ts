/**
 * The cloud development side of the chain: the repository's cloud function template (cloudfunctions/getPhoneNumber,
 * the bundle `npm run build:cloudfunction` builds) loaded in-process, and a `wx.cloud.callFunction` that plays the
 * platform: it passes `data` through JSON, sets the caller's per-invocation context in the environment (the variables
 * wx-server-sdk's getWXContext() reads: WX_CONTEXT_KEYS, WX_OPENID, WX_APPID, TCB_SOURCE), also injects `userInfo`
 * as older runtimes did, enforces the function timeout and answers `{ result }`.
 */
import * as path from 'node:path';
import type { CloudFunction } from '../../../proxy/src/runtimes/cloud-function';
import { assertBuilt } from './built';
import { loadSimulate } from './mini-program';

export const TEMPLATE_DIR = path.resolve(__dirname, '../../../cloudfunctions/getPhoneNumber');

/** What the platform knows of the caller and puts in `event.userInfo`. */
export interface CloudIdentity {
  appId: string;
  openId: string;
}

/**
 * Requires the template with `env` as its environment variables (restored afterwards), as the platform loads it once
 * per container. Its `main` must be closed by the caller.
 */
export function loadTemplate(env: Record<string, string>): CloudFunction {
  assertBuilt(path.join(TEMPLATE_DIR, 'index.js'), 'npm run build:cloudfunction');
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the template folder, required as the platform requires it
    return (require(TEMPLATE_DIR) as { main: CloudFunction }).main;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export interface CloudPlatform {
  /** Who the next calls come from. */
  identity: CloudIdentity;
  /** The function timeout set in the console; a function still running after it fails the call with -504003. */
  functionTimeoutMs: number;
  /** Calls the platform passed to a function, with the event it built. */
  readonly events: unknown[];
}

/** One call as the platform hands it to main: the data through JSON, the caller's identity injected over it. */
export function platformInvocation(
  data: unknown,
  identity: CloudIdentity,
  functionName: string,
): { event: Record<string, unknown>; context: Record<string, unknown> } {
  const parsed = JSON.parse(JSON.stringify(data ?? {})) as Record<string, unknown>;
  return { event: { ...parsed, userInfo: { ...identity } }, context: { function_name: functionName } };
}

/** Installs `wx.cloud` with one deployed function per name. */
export function installCloud(functions: Record<string, CloudFunction>, platform: Omit<CloudPlatform, 'events'>): CloudPlatform {
  loadSimulate();
  const state: CloudPlatform = { ...platform, events: [] };
  const callFunction = (options: ICloud.CallFunctionParam): void => {
    const main = functions[options.name];
    const fail = (errMsg: string, errCode: number): void => void setTimeout(() => options.fail?.({ errMsg, errCode } as never), 0);
    if (!main) return fail(`cloud.callFunction:fail Error: errCode: -501000 | errMsg: FunctionName parameter could not be found`, -501000);
    const { event, context } = platformInvocation(options.data, state.identity, options.name);
    state.events.push(event);
    const seconds = state.functionTimeoutMs / 1000;
    // Past the timeout the caller has its failure; whatever the function still does reaches nobody.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      fail(`cloud.callFunction:fail Error: errCode: -504003  | errMsg: Invoking task timed out after ${seconds} seconds`, -504003);
    }, state.functionTimeoutMs);
    // The context is this invocation's: set while main starts (it reads it before its first await), then cleared.
    const wxContext = {
      WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID',
      WX_OPENID: state.identity.openId,
      WX_APPID: state.identity.appId,
      TCB_SOURCE: 'wx_client',
    };
    Object.assign(process.env, wxContext);
    let invocation: ReturnType<CloudFunction>;
    try {
      invocation = main(event, context);
    } finally {
      for (const name of Object.keys(wxContext)) delete process.env[name];
    }
    invocation.then(
      (result) => {
        clearTimeout(timer);
        if (!timedOut) options.success?.({ result: JSON.parse(JSON.stringify(result)) as unknown, errMsg: 'cloud.callFunction:ok' } as never);
      },
      (error: Error) => {
        clearTimeout(timer);
        if (!timedOut) fail(`cloud.callFunction:fail Error: errCode: -504002 functions execute fail | errMsg: ${error.message}`, -504002);
      },
    );
  };
  Object.assign(wx, { cloud: { callFunction } });
  return state;
}
