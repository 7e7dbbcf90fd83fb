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
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { database: true, redis: true, migrations: true } });
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
    expect(await page.text()).toMatch(/graphiql/i);
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
  });
});
