// CORS: same-origin only by default (no CORS headers for any other origin), an exact allow-list
// with CORS_ORIGINS, and never credentials. Yoga's default reflected every origin with
// Access-Control-Allow-Credentials: true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';

const PARTNER = 'https://partner.example.com';
let plain: Awaited<ReturnType<typeof startTestApp>>;
let listed: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  [plain, listed] = await Promise.all([startTestApp(), startTestApp(['api'], { CORS_ORIGINS: `${PARTNER}, http://localhost:5173` })]);
  t = await tenantWithKeys(plain.db);
});
afterAll(() => Promise.all([plain?.stop(), listed?.stop()]));

const preflight = (url: string, origin: string) =>
  fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
const post = (url: string, origin: string) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${t.keys.VIEWER}` }, body: JSON.stringify({ query: '{ viewer { role } }' }) });

describe('CORS', () => {
  it('by default answers no other origin: no Access-Control-* headers, so a browser keeps the response from the page', async () => {
    for (const res of [await preflight(plain.url, 'https://evil.example'), await post(plain.url, 'https://evil.example')]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
  });

  it('with CORS_ORIGINS, allows exactly the listed origins, without credentials', async () => {
    const ok = await preflight(listed.url, PARTNER);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect(ok.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const res = await post(listed.url, PARTNER);
    expect(res.headers.get('access-control-allow-origin')).toBe(PARTNER);
    expect((await res.json()).data.viewer.role).toBe('VIEWER');
    for (const origin of ['https://evil.example', 'https://partner.example.com.evil.example', 'http://partner.example.com']) {
      expect((await preflight(listed.url, origin)).headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });

  it('CORS_ORIGINS takes exact origins only', () => {
    const env = { DATABASE_URL: 'postgresql://x@localhost/x', REDIS_URL: 'redis://localhost', ENCRYPTION_KEY: 'a'.repeat(64), SIGNING_SECRET: 'b'.repeat(64) };
    expect(loadConfig({ ...env, CORS_ORIGINS: 'https://a.example,http://localhost:5173' }).graphql.corsOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
    for (const bad of ['*', 'https://a.example/path', 'a.example', 'ftp://a.example']) {
      expect(() => loadConfig({ ...env, CORS_ORIGINS: bad }), bad).toThrow(/CORS_ORIGINS/);
    }
  });
});
