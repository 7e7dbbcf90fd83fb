import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { createTestKey, createTestTenant } from './helpers.ts';

describe('api process over HTTP', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    app = await startTestApp(['api']);
  });
  afterAll(() => app.stop());

  it('answers /healthz and /readyz with the state of its dependencies', async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: 'ok' });
    // Each check has a 2 s budget; on a saturated test machine one may miss it once, so a probe
    // (like Kubernetes') gets a few tries.
    let ready: { status: number; body: unknown } = { status: 0, body: null };
    for (let i = 0; i < 5 && ready.status !== 200; i++) {
      const res = await fetch(`${app.url}/readyz`);
      ready = { status: res.status, body: await res.json() };
    }
    // admission: the GraphQL requests running and waiting now (none), and whether the event loop lags.
    expect(ready).toEqual({ status: 200, body: { ready: true, checks: { database: true, redis: true, migrations: true }, admission: { running: 0, waiting: 0, lagging: expect.any(Boolean) } } });
  });

  it('answers a query for the tenant of the API key', async () => {
    const tenant = await createTestTenant(app.db, { name: 'Acme Visas', timezone: 'Europe/London' });
    const key = await createTestKey(app.db, tenant.id, 'VIEWER');
    const res = await app.graphql('{ viewer { role tenant { id name timezone } } }', {}, key);
    expect(res.body).toEqual({ data: { viewer: { role: 'VIEWER', tenant: { id: tenant.id, name: 'Acme Visas', timezone: 'Europe/London' } } } });
  });

  it('refuses a missing or bad key with UNAUTHENTICATED', async () => {
    for (const key of [undefined, 'fd_aaaaaaaaaaaa_' + 'b'.repeat(40)]) {
      const res = await app.graphql('{ viewer { role } }', {}, key);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({ message: 'A valid API key is required', extensions: { code: 'UNAUTHENTICATED' } });
    }
  });

  it('serves GraphiQL to browsers and 404s unknown paths', async () => {
    const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toMatch(/graphiql/i);
    // Bundled, not loaded from a CDN: works offline and runs no third-party script.
    expect(html).not.toMatch(/<script[^>]+src="https?:/i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|esm\.sh/);
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
  });
});

describe('api process without its dependencies', () => {
  it('reports not ready (503) naming the failing check when the database is unreachable', async () => {
    const app = await startTestApp(['api'], { DATABASE_URL: 'postgresql://flowdeck@127.0.0.1:1/flowdeck' });
    try {
      const res = await fetch(`${app.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ ready: false, checks: { database: false, redis: true } });
    } finally {
      await app.stop();
    }
  });
});
