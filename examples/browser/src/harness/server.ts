import type { AddressInfo } from 'node:net';
import { preview, type PreviewServer } from 'vite';

/** Serves the built page (dist/) with `vite preview` on 127.0.0.1 and a free port. */
export async function servePage(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: PreviewServer = await preview({
    root,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: true, open: false },
  });
  const address = server.httpServer.address() as AddressInfo | null;
  if (address === null || typeof address === 'string') throw new Error('vite preview: no TCP address');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => server.close() };
}
