// The HTTP contract and its protections: graphql-http's server audits against the running
// server, CSRF prevention, body size limit, per-key rate limit, introspection/suggestions off,
// armor limits and error masking.
import { auditServer } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

describe('GraphQL over HTTP (graphql-http server audits)', () => {
  it('passes every MUST audit', async () => {
    // Audits come as a partner would: with its API key (which also satisfies CSRF prevention).
    const fetchFn: typeof fetch = (input, init = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${t.keys.VIEWER}`);
      return fetch(input, { ...init, headers });
    };
    const results = await auditServer({ url: `${app.url}/graphql`, fetchFn });
    const count = (s: string) => results.filter((r) => r.status === s).length;
    console.log(`graphql-http audits: ${count('ok')}/${results.length} ok, ${count('warn')} warn (SHOULD), ${count('notice')} notice, ${count('error')} error (MUST)`);
    for (const r of results) if (r.status !== 'ok') console.log(`  ${r.status} ${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.status === 'error').map((r) => r.name)).toEqual([]);
  });
});

describe('CSRF prevention', () => {
  const get = (headers: Record<string, string> = {}) => fetch(`${app.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers });

  it('refuses simple (non-preflighted) requests that carry neither a key nor the CSRF header', async () => {
    expect((await get()).status).toBe(403);
    const form = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(403);
  });

  it('lets browsers with the CSRF header, JSON posts, and key-bearing clients (curl, k6) through', async () => {
    expect((await get({ 'x-graphql-yoga-csrf': '1' })).status).toBe(200);
    expect((await get({ authorization: `Bearer ${t.keys.VIEWER}` })).status).toBe(200);
    expect((await app.graphql('{ __typename }')).status).toBe(200);
  });

  it('still serves GraphiQL to a browser', async () => {
    const page = await get({ accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Flowdeck GraphQL');
  });
});

describe('limits', () => {
  it('refuses documents beyond the depth and alias limits', async () => {
    let deep = 'id';
    for (let i = 0; i < 4; i++) deep = `executions(first: 1) { edges { node { workflow { ${deep} } } } }`;
    const depth = await app.graphql(`{ workflows(first: 1) { edges { node { ${deep} } } } }`, {}, t.keys.VIEWER);
    expect(depth.body.errors?.[0].message).toMatch(/depth/i);
    const aliases = Array.from({ length: 20 }, (_, i) => `a${i}: viewer { role }`).join(' ');
    expect((await app.graphql(`{ ${aliases} }`, {}, t.keys.VIEWER)).body.errors?.[0].message).toMatch(/alias/i);
  });

  it('keeps expected errors readable (internal ones are masked: plugins/mask-error.test.ts)', async () => {
    // A NUL byte, which PostgreSQL refuses in text, used to reach the database and come back
    // masked; it is now refused up front as bad input (api-bad-input.test.ts), still leaking nothing.
    const res = await app.graphql(`query($s: String) { workflows(first: 1, filter: { search: $s }) { totalCount } }`, { s: 'a\u0000b' }, t.keys.VIEWER);
    expect(res.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(res.body)).not.toMatch(/prisma|postgres|0x00|stack/i);
    const bad = await app.graphql(`{ logs(first: 1, after: "nope") { totalCount } }`, {}, t.keys.VIEWER);
    expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', problems: [{ path: 'after', message: 'is not a valid cursor' }] });
  });

  it('answers malformed and non-node ids with BAD_USER_INPUT, not a masked error', async () => {
    for (const id of ['nope', Buffer.from('Tenant:01900000-0000-7000-8000-000000000000').toString('base64'), Buffer.from('Workflow:12').toString('base64')]) {
      const res = await app.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id }, t.keys.VIEWER);
      expect(res.body.errors?.[0].extensions.code, id).toBe('BAD_USER_INPUT');
    }
  });

  it("lets GraphiQL's introspection query through the armor limits", async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const res = await app.graphql(getIntrospectionQuery(), {}, t.keys.VIEWER);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.__schema.queryType.name).toBe('Query');
  });

  it('suggests field names while introspection is on', async () => {
    const res = await app.graphql('{ workflowz { totalCount } }', {}, t.keys.VIEWER);
    expect(res.body.errors?.[0].message).toMatch(/Did you mean/);
  });
});

describe('with production-like settings', () => {
  let strict: Awaited<ReturnType<typeof startTestApp>>;
  let keys: TestTenant;
  beforeAll(async () => {
    strict = await startTestApp(['api'], { GRAPHQL_INTROSPECTION: 'false', GRAPHQL_MAX_BODY_BYTES: '2000', RATE_LIMIT_PER_MINUTE: '3' });
    keys = await tenantWithKeys(strict.db);
  });
  afterAll(() => strict.stop());

  it('turns off introspection and field suggestions', async () => {
    const intro = await strict.graphql('{ __schema { types { name } } }', {}, keys.keys.ADMIN);
    expect(intro.body.data).toBeUndefined();
    expect(intro.body.errors?.[0].message).toMatch(/introspection/i);
    const typo = await strict.graphql('{ workflowz { totalCount } }', {}, keys.keys.ADMIN);
    expect(JSON.stringify(typo.body)).not.toMatch(/Did you mean|workflows/);
  });

  it('refuses bodies over the limit (413) and without a length (411)', async () => {
    const big = await fetch(`${strict.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ __typename }`, variables: { pad: 'x'.repeat(3000) } }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(JSON.stringify({ query: '{ __typename }' })));
        c.close();
      },
    });
    const chunked = await fetch(`${strict.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(411);
  });

  it('rate-limits per API key with a retry time, leaving other keys alone', async () => {
    const responses: Response[] = [];
    // 7 requests span at most two one-minute windows of 3, so at least one is refused.
    for (let i = 0; i < 7; i++) {
      responses.push(await fetch(`${strict.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.keys.VIEWER}` }, body: JSON.stringify({ query: '{ viewer { role } }' }) }));
    }
    expect(responses.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
    const limited = responses.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    const body = (await limited.json()) as any;
    expect(body.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(body.errors[0].extensions.retryAfterMs).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await strict.graphql('{ viewer { role } }', {}, keys.keys.OPERATOR)).status).toBe(200);
  });
});
