import type { PhoneErrorDetail, PhoneNumber } from 'miniprogram-phone-button';

Page({
  data: {
    phone: null as PhoneNumber | null,
    error: null as PhoneErrorDetail | null,
  },

  onPhone(event: WechatMiniprogram.CustomEvent<PhoneNumber>) {
    this.setData({ phone: event.detail, error: null });
  },

  onError(event: WechatMiniprogram.CustomEvent<PhoneErrorDetail>) {
    this.setData({ phone: null, error: event.detail });
  },
});
