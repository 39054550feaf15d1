// The template's computed open-type (components/phone-button/index.wxs), called directly for every state: none while
// disabled or loading, else the phone ask, realtime or not, behind the privacy consent when asked. The attribute as
// rendered is checked through the component in test/component/phone-button.test.ts; ESLint parses the file as ES5.
import { TARGETS } from '../helpers/targets';

interface ButtonState {
  disabled: boolean;
  loading: boolean;
  privacy: boolean;
  realtime: boolean;
}

interface Computed {
  openType(state: ButtonState): string;
}

const IDLE: ButtonState = { disabled: false, loading: false, privacy: false, realtime: false };

/** Every privacy x realtime combination, for a state that must clear open-type whatever the others are. */
const ASKS: Partial<ButtonState>[] = [{}, { realtime: true }, { privacy: true }, { privacy: true, realtime: true }];

describe.each(TARGETS)('$name: index.wxs openType', (target) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a WXS module is CommonJS, WeChat's own ES5 subset
  const computed = require(target.componentFile('index.wxs')) as Computed;

  it.each([
    [{}, 'getPhoneNumber'],
    [{ realtime: true }, 'getRealtimePhoneNumber'],
    [{ privacy: true }, 'agreePrivacyAuthorization|getPhoneNumber'],
    [{ privacy: true, realtime: true }, 'agreePrivacyAuthorization|getRealtimePhoneNumber'],
  ])('enabled with %p: %p', (state, openType) => {
    expect(computed.openType({ ...IDLE, ...state })).toBe(openType);
  });

  it.each([{ disabled: true }, { loading: true }, { disabled: true, loading: true }])('%p: none, whatever privacy and realtime are', (blocked) => {
    for (const ask of ASKS) expect(computed.openType({ ...IDLE, ...ask, ...blocked })).toBe('');
  });
});
