// Revoking or rotating a key reaches every api process at once (through Redis), and ends the
// subscriptions the key opened there, over graphql-ws and SSE alike. Two apps in this test
// stand for two api processes sharing PostgreSQL and Redis; each has its own key cache.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/auth/api-keys.ts';
import { startTestApp } from './app.ts';
import { globalId, tenantWithKeys, type TestTenant } from './api-helpers.ts';
import { connectedWs, type Frame } from './ws-client.ts';

let a: Awaited<ReturnType<typeof startTestApp>>;
let b: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;

beforeAll(async () => {
  [a, b] = await Promise.all([startTestApp(), startTestApp()]);
  t = await tenantWithKeys(a.db);
});
afterAll(() => Promise.all([a?.stop(), b?.stop()]));

const SUBSCRIPTION = 'subscription { executionUpdated { id } }';

async function newKey(name: string) {
  return createApiKey(a.db, { tenantId: t.id, name, role: 'VIEWER' });
}

/** Reads SSE events from a response body as they come. */
function sseReader(res: Response) {
  const reader = res.body!.getReader();
  let buffered = '';
  return async function nextEvent(timeoutMs = 5_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = buffered.indexOf('\n\n');
      if (i >= 0) {
        const event = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        if (event.trim() && !event.startsWith(':')) return event;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no SSE event within timeout');
      const r = await Promise.race([reader.read(), new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), left))]);
      if (r === 'timeout') throw new Error('no SSE event within timeout');
      if (r.done) return 'END';
      buffered += new TextDecoder().decode(r.value);
    }
  };
}

async function started(s: Awaited<ReturnType<typeof connectedWs>>, id: string) {
  s.send({ id, type: 'subscribe', payload: { query: SUBSCRIPTION } });
  // The subscription is live once the relay listens; a short pause lets it register.
  await new Promise((r) => setTimeout(r, 200));
}

describe('revoking an API key', () => {
  it('ends its subscriptions in every process at once, with UNAUTHENTICATED, and refuses it there without waiting for the cache', async () => {
    const { key, apiKey } = await newKey('to revoke');
    // Process b has the key cached and two live subscriptions opened with it.
    expect((await b.graphql('{ viewer { role } }', {}, key)).body.data?.viewer?.role).toBe('VIEWER');
    const ws = await connectedWs(b.url, key);
    await started(ws, 'live');
    const controller = new AbortController();
    const sse = await fetch(`${b.url}/graphql`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: SUBSCRIPTION }) });
    const nextSse = sseReader(sse);
    // Another key's subscription on the same process keeps running.
    const bystander = await connectedWs(b.url, t.keys.VIEWER);
    await started(bystander, 'other');

    const revoked = await a.graphql('mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }', { id: globalId('ApiKey', apiKey.id) }, t.keys.ADMIN);
    expect(revoked.body.data?.revokeApiKey?.__typename).toBe('ApiKeyPayload');

    const frames: Frame[] = [await ws.next(2_000), await ws.next(2_000)];
    expect(frames[0]).toMatchObject({ type: 'next', id: 'live', payload: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(frames[1]).toEqual({ type: 'complete', id: 'live' });
    expect(await nextSse(2_000)).toContain('UNAUTHENTICATED');
    controller.abort();
    // Within b's 5 s cache TTL, yet refused: the change was pushed.
    expect((await b.graphql('{ viewer { role } }', {}, key)).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    // And a new subscription with it is refused on the open socket.
    ws.send({ id: 'again', type: 'subscribe', payload: { query: SUBSCRIPTION } });
    expect(await ws.next(2_000)).toMatchObject({ type: 'error', id: 'again' });
    await expect(bystander.next(500)).rejects.toThrow(/no frame/);
    ws.ws.close();
    bystander.ws.close();
  });

  it('rotated with an overlap: its subscriptions run until the overlap ends, then end', async () => {
    const { key, apiKey } = await newKey('to rotate');
    const ws = await connectedWs(b.url, key);
    await started(ws, 'live');
    const rotated = await a.graphql('mutation($id: ID!) { rotateApiKey(id: $id, overlapSeconds: 2) { __typename } }', { id: globalId('ApiKey', apiKey.id) }, t.keys.ADMIN);
    expect(rotated.body.data?.rotateApiKey?.__typename).toBe('RotateApiKeyPayload');
    const t0 = Date.now();
    await expect(ws.next(1_000)).rejects.toThrow(/no frame/);
    expect(await ws.next(4_000)).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
    expect(await ws.next(1_000)).toEqual({ type: 'complete', id: 'live' });
    ws.ws.close();
  });

  it('that expires ends its subscriptions at the expiry', async () => {
    const { key } = await createApiKey(a.db, { tenantId: t.id, name: 'short-lived', role: 'VIEWER', expiresAt: new Date(Date.now() + 1_500) });
    const ws = await connectedWs(b.url, key);
    await started(ws, 'live');
    expect(await ws.next(4_000)).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect(await ws.next(1_000)).toEqual({ type: 'complete', id: 'live' });
    ws.ws.close();
  });
});
