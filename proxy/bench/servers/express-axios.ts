// Target 2, what users write today: an Express route that calls Authing with axios on every request.
import type { Server } from 'node:http';
import axios from 'axios';
import express from 'express';
import { AUTHING_PHONE_PATH, EXT_IDP_CONNIDENTIFIER, ROUTE_PATH, authingHeaders, baseUrl, serve, upstreamUrl } from './common';

const target = new URL(AUTHING_PHONE_PATH, upstreamUrl()).href;
const app = express();
app.use(express.json());

app.post(ROUTE_PATH, async (req, res) => {
  try {
    const body = JSON.stringify({ code: (req.body as { code?: unknown }).code, extIdpConnidentifier: EXT_IDP_CONNIDENTIFIER });
    const { data } = await axios.post<{ statusCode?: number }>(target, body, { headers: authingHeaders(body), timeout: 5000 });
    res.status(data.statusCode === 200 ? 200 : 502).json(data);
  } catch {
    res.status(502).json({ message: 'upstream failed' });
  }
});

const server: Server = app.listen(0, '127.0.0.1', () => {
  serve(baseUrl(server), async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
