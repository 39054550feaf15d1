/** miniprogram-phone-button: the library behind `<phone-button>`, for pages that bring their own button. */
export { configure, DEFAULT_TIMEOUT } from './config';
export { PhoneExchangeError } from './errors';
export { exchangePhoneCode, sendPhoneCode } from './exchange';
export { readPhoneCode } from './phone-code';
export type {
  CloudTransport,
  ContainerTransport,
  GetPhoneNumberDetail,
  PhoneClientOptions,
  PhoneErrorDetail,
  PhoneErrorReason,
  PhoneEventDetail,
  PhoneNumber,
  PhoneNumberResult,
  Transport,
} from './types';
