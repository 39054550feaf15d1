import { configure } from 'miniprogram-phone-button';
import { PROXY_ENDPOINT } from './config';

// Global defaults: every <phone-button> and every exchangePhoneCode() call falls back to them.
configure({ endpoint: PROXY_ENDPOINT, timeout: 10000 });

App({});
