/**
 * The page's headers for a JSON POST: any spelling of Content-Type is replaced (the body is always JSON, and one
 * header must say so). Over Cloud Hosting the X-WX-* names are the gateway's own (identity, service): a page's are dropped.
 */
export function jsonHeaders(header: Record<string, string>, dropGatewayHeaders = false): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of Object.keys(header)) {
    const lower = name.toLowerCase();
    if (lower !== 'content-type' && !(dropGatewayHeaders && lower.startsWith('x-wx-'))) kept[name] = header[name];
  }
  return { ...kept, 'content-type': 'application/json' };
}
