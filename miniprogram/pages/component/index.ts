import type { PhoneErrorDetail, PhoneEventDetail } from 'miniprogram-phone-button';

Page({
  data: {
    phone: null as PhoneEventDetail | null,
    error: null as PhoneErrorDetail | null,
  },

  onPhone(event: WechatMiniprogram.CustomEvent<PhoneEventDetail>) {
    this.setData({ phone: event.detail, error: null });
  },

  onError(event: WechatMiniprogram.CustomEvent<PhoneErrorDetail>) {
    this.setData({ phone: null, error: event.detail });
  },
});
