import type { PhoneErrorDetail, PhoneErrorReason } from './types';

/** The one error an exchange rejects with; `detail` is exactly the component's `error` event detail. */
export class PhoneExchangeError extends Error {
  readonly detail: PhoneErrorDetail;

  constructor(detail: PhoneErrorDetail) {
    super(detail.message);
    this.name = 'PhoneExchangeError';
    this.detail = detail;
  }

  get reason(): PhoneErrorReason {
    return this.detail.reason;
  }
}

type DetailExtras = Omit<PhoneErrorDetail, 'reason' | 'message'>;

/** Builds a PhoneExchangeError whose detail carries only the extras that are actually known. */
export function phoneError(reason: PhoneErrorReason, message: string, extras: DetailExtras = {}): PhoneExchangeError {
  const detail: PhoneErrorDetail = { reason, message };
  for (const key of Object.keys(extras) as (keyof DetailExtras)[]) {
    if (extras[key] !== undefined) Object.assign(detail, { [key]: extras[key] });
  }
  return new PhoneExchangeError(detail);
}
