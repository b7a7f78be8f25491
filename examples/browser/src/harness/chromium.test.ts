import { describe, expect, it } from 'vitest';
import { ensureChromium } from './chromium';

describe('ensureChromium', () => {
  it('reports a CHROMIUM_PATH that does not exist, by name, instead of installing something else', () => {
    const status = ensureChromium('/nonexistent/chromium-for-test', { explicit: true });
    expect(status).toEqual({ ok: false, reason: 'CHROMIUM_PATH=/nonexistent/chromium-for-test does not exist' });
  });

  it('accepts an existing executable as it is', () => {
    expect(ensureChromium(process.execPath, { explicit: true })).toEqual({ ok: true, path: process.execPath, installed: false });
  });
});
