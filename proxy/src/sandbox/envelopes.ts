import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { SuccessShape } from './types';

export const SUCCESS_MESSAGE = '操作成功';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** WeChat errmsg texts (without the ", rid: ..." suffix WeChat appends) for the errcodes Authing wraps. */
export const WECHAT_ERRMSG: Readonly<Record<number, string>> = {
  40029: 'invalid code',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  [-1]: 'system error',
  40013: 'invalid appid',
};

/** A serialised response: everything the server needs to answer. */
export interface Reply {
  httpStatus: number;
  body: string;
  /** Default JSON_CONTENT_TYPE. */
  contentType?: string;
}

export interface FailureFields {
  statusCode: number;
  message: string;
  apiCode?: number;
}

export interface SuccessFields {
  shape: SuccessShape;
  phoneNumber: string;
  purePhoneNumber: string;
  countryCode: string | number;
  timestampSeconds: number;
  /** The mini program the watermark names; left out when unknown (the proxy refuses a watermark naming another caller). */
  wechatAppId?: string;
}

/** Authing envelope for a failure. Authing answers most failures with HTTP 200: the body's statusCode carries it. */
export function failure(fields: FailureFields, httpStatus = 200): Reply {
  const { statusCode, message, apiCode } = fields;
  const envelope = apiCode === undefined ? { statusCode, message } : { statusCode, message, apiCode };
  return { httpStatus, body: JSON.stringify({ ...envelope, requestId: randomUUID() }) };
}

/** A bare HTTP error with Authing's envelope (gateway errors, 404, 429). */
export function httpFailure(httpStatus: number): Reply {
  return failure({ statusCode: httpStatus, message: STATUS_CODES[httpStatus] ?? 'Error' }, httpStatus);
}

/** What Authing answers when WeChat's phone API failed: 601 request failed, 602 WeChat returned an error. */
export function wechatFailure(statusCode: 601 | 602, errcode: number): Reply {
  const errmsg = WECHAT_ERRMSG[errcode] ?? `errcode ${errcode}`;
  return failure({ statusCode, message: `${errmsg}, rid: ${wechatRid()}` });
}

export function success(fields: SuccessFields): Reply {
  const phone = {
    phoneNumber: fields.phoneNumber,
    purePhoneNumber: fields.purePhoneNumber,
    countryCode: fields.countryCode,
  };
  const data =
    fields.shape === 'flat'
      ? phone
      : {
          errcode: 0,
          errmsg: 'ok',
          phone_info: {
            ...phone,
            watermark:
              fields.wechatAppId === undefined
                ? { timestamp: fields.timestampSeconds }
                : { appid: fields.wechatAppId, timestamp: fields.timestampSeconds },
          },
        };
  return {
    httpStatus: 200,
    body: JSON.stringify({ statusCode: 200, message: SUCCESS_MESSAGE, requestId: randomUUID(), data }),
  };
}

/** nginx's own error page, as a gateway in front of Authing would serve it. */
export function nginxErrorPage(httpStatus: number): Reply {
  const title = `${httpStatus} ${STATUS_CODES[httpStatus] ?? 'Error'}`;
  const body =
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { httpStatus, body, contentType: 'text/html' };
}

/** WeChat's request id format: three groups of 8 hex digits. */
function wechatRid(): string {
  const hex = randomBytes(12).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16)}`;
}
