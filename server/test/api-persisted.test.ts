// The dashboard's operations are persisted documents (codegen's persisted-documents.json, sent by
// hash), and a key can be restricted to them (ApiKey.persistedOnly) — on HTTP and on graphql-ws,
// where Yoga's persisted-operations plugin does not run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerDocument } from '../../client/src/graphql/graphql.ts';
import { persistedDocuments } from '../src/graphql/plugins/use-persisted-documents.ts';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { connectedWs } from './ws-client.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
let restricted: string;
let restrictedId: string;

const VIEWER_HASH = (ViewerDocument as unknown as { __meta__: { hash: string } }).__meta__.hash;
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
  const created = await app.graphql(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { key apiKey { id persistedOnly } } } }',
    { input: { name: 'kiosk', role: 'VIEWER', persistedOnly: true } },
    t.keys.ADMIN,
  );
  restricted = created.body.data.createApiKey.key;
  restrictedId = created.body.data.createApiKey.apiKey.id;
  expect(created.body.data.createApiKey.apiKey.persistedOnly).toBe(true);
});
afterAll(() => app.stop());

async function post(key: string, body: Record<string, unknown>) {
  const res = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('persisted documents', () => {
  it('are the dashboard documents, each under its own hash', () => {
    expect(persistedDocuments().get(VIEWER_HASH)).toMatch(/^query Viewer \{/);
    expect(persistedDocuments().size).toBeGreaterThan(20);
  });

  it('run by hash for any key, over POST and GET', async () => {
    for (const key of [t.keys.VIEWER, restricted]) {
      const res = await post(key, { extensions: persisted(VIEWER_HASH) });
      expect(res.body.data?.viewer.role).toBe('VIEWER');
      const url = new URL(`${app.url}/graphql`);
      url.searchParams.set('extensions', JSON.stringify(persisted(VIEWER_HASH)));
      const get = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
      expect(((await get.json()) as { data: any }).data?.viewer.role).toBe('VIEWER');
    }
  });

  it('an unknown hash is PERSISTED_QUERY_NOT_FOUND', async () => {
    const res = await post(t.keys.VIEWER, { extensions: persisted('sha256:0000') });
    expect(res.body.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('a normal key may still send any document', async () => {
    expect((await post(t.keys.VIEWER, { query: '{ viewer { role apiKeyId } }' })).body.data?.viewer.role).toBe('VIEWER');
  });

  it('a persisted-only key is refused any other document over HTTP: 403, PERSISTED_QUERY_ONLY, nothing run', async () => {
    const res = await post(restricted, { query: '{ viewer { role } }' });
    expect(res.status).toBe(403);
    expect(res.body.errors?.map((e) => e.extensions.code)).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(res.body.data).toBeUndefined();
  });

  it('and over graphql-ws, where the Yoga plugin does not run', async () => {
    const s = await connectedWs(app.url, restricted);
    s.send({ id: 'raw', type: 'subscribe', payload: { query: '{ viewer { role } }' } });
    expect(await s.next()).toMatchObject({ type: 'error', id: 'raw', payload: [{ extensions: { code: 'PERSISTED_QUERY_ONLY' } }] });
    s.send({ id: 'hash', type: 'subscribe', payload: { query: '', extensions: persisted(VIEWER_HASH) } });
    expect(await s.next()).toMatchObject({ type: 'next', id: 'hash', payload: { data: { viewer: { role: 'VIEWER' } } } });
    expect(await s.next()).toEqual({ type: 'complete', id: 'hash' });
    s.send({ id: 'unknown', type: 'subscribe', payload: { query: '', extensions: persisted('sha256:0000') } });
    expect(await s.next()).toMatchObject({ type: 'error', id: 'unknown', payload: [{ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    s.ws.close();
    // A normal key on a socket still sends text.
    const n = await connectedWs(app.url, t.keys.VIEWER);
    n.send({ id: 'raw', type: 'subscribe', payload: { query: '{ viewer { role } }' } });
    expect(await n.next()).toMatchObject({ type: 'next', payload: { data: { viewer: { role: 'VIEWER' } } } });
    n.ws.close();
  });

  it('a rotated persisted-only key stays persisted-only', async () => {
    const rotated = await app.graphql(
      'mutation($id: ID!) { rotateApiKey(id: $id) { ... on RotateApiKeyPayload { key apiKey { persistedOnly } } } }',
      { id: restrictedId },
      t.keys.ADMIN,
    );
    expect(rotated.body.data.rotateApiKey.apiKey.persistedOnly).toBe(true);
    expect((await post(rotated.body.data.rotateApiKey.key, { query: '{ viewer { role } }' })).body.errors?.[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
  });
});
