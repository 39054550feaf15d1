// Serves the built site on a loopback port, as any static host would (sirv: the server VitePress's own preview uses).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';

export interface StaticSite {
  url: string;
  close(): Promise<void>;
}

export async function serveStatic(dir: string): Promise<StaticSite> {
  const files = sirv(dir, { dev: false, etag: true });
  const server: Server = createServer((req, res) =>
    files(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
