/** What a transport hands back: the proxy's body, and the HTTP status when there is one. */
export interface ProxyAnswer {
  /** HTTP status (request transport); a cloud function has none. */
  httpStatus?: number;
  /** Parsed JSON, a raw string wx.request could not parse, or a cloud function's `result`. */
  body: unknown;
}

/** What every transport sends (docs/en/reference/protocol.md): the code, and the app backend's nonce when the page has one. */
export interface ExchangeBody {
  code: string;
  nonce?: string;
}
