import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, preview } from 'vite';

export interface Served {
  url: string;
  close: () => Promise<void>;
}

function urlOf(httpServer: Server | null): string {
  const address = httpServer?.address() as AddressInfo | string | null | undefined;
  if (address === null || address === undefined || typeof address === 'string') throw new Error('vite: the server has no TCP address');
  return `http://127.0.0.1:${address.port}/`;
}

const LISTEN = { host: '127.0.0.1', port: 0, strictPort: true, open: false } as const;

/** Serves the built page (dist/) with `vite preview` on 127.0.0.1 and a free port. */
export async function servePage(root: string): Promise<Served> {
  const server = await preview({ root, logLevel: 'warn', preview: LISTEN });
  return { url: urlOf(server.httpServer as Server), close: () => server.close() };
}

/** Serves the page's sources with the Vite dev server, as `pnpm exec vite` does. */
export async function serveDev(root: string): Promise<Served> {
  const server = await createServer({ root, logLevel: 'warn', server: { ...LISTEN, hmr: false } });
  await server.listen();
  return { url: urlOf(server.httpServer as Server), close: () => server.close() };
}
