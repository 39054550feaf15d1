import { exchangePhoneCode, PhoneExchangeError } from 'miniprogram-phone-button';
import type { GetPhoneNumberDetail, PhoneErrorDetail, PhoneNumber } from 'miniprogram-phone-button';

Page({
  data: {
    loading: false,
    phone: null as PhoneNumber | null,
    error: null as PhoneErrorDetail | null,
  },

  onGetPhoneNumber(event: WechatMiniprogram.CustomEvent<GetPhoneNumberDetail>) {
    // A tap queued before the loading state reached the view must not start a second exchange.
    if (this.data.loading) return;
    this.setData({ loading: true });
    exchangePhoneCode(event.detail).then(
      (result) => this.setData({ loading: false, phone: result.data, error: null }),
      (error: unknown) => {
        if (error instanceof PhoneExchangeError) {
          this.setData({ loading: false, phone: null, error: error.detail });
          return;
        }
        // Not an exchange outcome (every failure, misconfiguration included, is a PhoneExchangeError): a bug.
        this.setData({ loading: false });
        throw error;
      },
    );
  },
});
