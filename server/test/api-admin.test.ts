// Integrations (credentials write-only, encrypted at rest) and API keys (secret shown once).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptJson } from '../src/integrations/crypto.ts';
import { startTestApp } from './app.ts';
import { tenantWithKeys, type TestTenant } from './api-helpers.ts';

let app: Awaited<ReturnType<typeof startTestApp>>;
let t: TestTenant;
beforeAll(async () => {
  app = await startTestApp();
  t = await tenantWithKeys(app.db);
});
afterAll(() => app.stop());

const INTEGRATION = `__typename ... on IntegrationPayload { integration { id kind name config enabled hasCredentials } }
  ... on ValidationError { problems { path message } } ... on ConflictError { code } ... on NotFoundError { code }`;

describe('integrations', () => {
  it('stores credentials encrypted, never returns them, and lets them be replaced or cleared', async () => {
    const secret = { accessToken: 'EAAB-very-secret-token' };
    const created = await app.graphql(
      `mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { ${INTEGRATION} } }`,
      { i: { kind: 'META_ADS', name: 'Main ads', config: { accountIds: ['123'] }, credentials: secret } },
      t.keys.ADMIN,
    );
    expect(JSON.stringify(created.body)).not.toContain('very-secret');
    const integration = created.body.data.createIntegration.integration;
    expect(integration).toMatchObject({ kind: 'META_ADS', name: 'Main ads', config: { accountIds: ['123'] }, hasCredentials: true });
    const row = await app.db.integration.findFirstOrThrow({ where: { tenantId: t.id, name: 'Main ads' } });
    expect(row.credentials).not.toContain('very-secret');
    expect(decryptJson(app.config.encryptionKey, row.credentials!)).toEqual(secret);

    const dup = await app.graphql(`mutation($i: CreateIntegrationInput!) { createIntegration(input: $i) { ${INTEGRATION} } }`, { i: { kind: 'META_ADS', name: 'Main ads' } }, t.keys.ADMIN);
    expect(dup.body.data.createIntegration.__typename).toBe('ConflictError');

    const UPDATE = `mutation($id: ID!, $i: UpdateIntegrationInput!) { updateIntegration(id: $id, input: $i) { ${INTEGRATION} } }`;
    const renamed = await app.graphql(UPDATE, { id: integration.id, i: { name: 'Ads' } }, t.keys.ADMIN);
    expect(renamed.body.data.updateIntegration.integration).toMatchObject({ name: 'Ads', hasCredentials: true });
    const cleared = await app.graphql(UPDATE, { id: integration.id, i: { credentials: null } }, t.keys.ADMIN);
    expect(cleared.body.data.updateIntegration.integration.hasCredentials).toBe(false);
    const bad = await app.graphql(UPDATE, { id: integration.id, i: { config: 'nope' } }, t.keys.ADMIN);
    expect(bad.body.data.updateIntegration.problems).toEqual([{ path: 'config', message: 'must be a JSON object' }]);

    const viewerList = await app.graphql(`{ integrations(first: 10) { totalCount edges { node { name hasCredentials } } } }`, {}, t.keys.VIEWER);
    expect(viewerList.body.data.integrations.totalCount).toBe(1);
    const viewerWrite = await app.graphql(UPDATE, { id: integration.id, i: { name: 'x' } }, t.keys.OPERATOR);
    expect(viewerWrite.body.errors?.[0].extensions.code).toBe('FORBIDDEN');

    const del = await app.graphql(`mutation($id: ID!) { deleteIntegration(id: $id) { __typename ... on DeleteIntegrationPayload { deletedIntegrationId } } }`, { id: integration.id }, t.keys.ADMIN);
    expect(del.body.data.deleteIntegration.deletedIntegrationId).toBe(integration.id);
    expect(await app.db.integration.count({ where: { tenantId: t.id } })).toBe(0);
  });
});

describe('API keys', () => {
  it('shows the key once, lists the prefix only, and a revoked key stops working at once', async () => {
    const created = await app.graphql(
      `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename ... on CreateApiKeyPayload { key apiKey { id name prefix role revokedAt } } } }`,
      { i: { name: 'partner', role: 'VIEWER' } },
      t.keys.ADMIN,
    );
    const { key, apiKey } = created.body.data.createApiKey;
    expect(key).toMatch(new RegExp(`^fd_${apiKey.prefix}_[a-z0-9]{40}$`));
    expect((await app.graphql(`{ viewer { role } }`, {}, key)).body.data.viewer.role).toBe('VIEWER');

    const list = await app.graphql(`{ apiKeys(first: 20) { totalCount edges { node { name prefix role } } } }`, {}, t.keys.ADMIN);
    expect(JSON.stringify(list.body)).not.toContain(key.split('_')[2]);
    expect(list.body.data.apiKeys.totalCount).toBe(4);
    expect((await app.graphql(`{ apiKeys(first: 1) { totalCount } }`, {}, t.keys.OPERATOR)).body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    // Keys are ADMIN-only through node(id) as well.
    expect((await app.graphql(`query($id: ID!) { node(id: $id) { id } }`, { id: apiKey.id }, t.keys.VIEWER)).body.data?.node ?? null).toBeNull();

    const revoked = await app.graphql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on ApiKeyPayload { apiKey { revokedAt } } } }`, { id: apiKey.id }, t.keys.ADMIN);
    expect(revoked.body.data.revokeApiKey.apiKey.revokedAt).not.toBeNull();
    const after = await app.graphql(`{ viewer { role } }`, {}, key);
    expect(after.body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');

    const bad = await app.graphql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename ... on ValidationError { problems { path } } } }`, { i: { name: '', role: 'ADMIN', expiresAt: '2020-01-01T00:00:00Z' } }, t.keys.ADMIN);
    expect(bad.body.data.createApiKey.problems.map((p: any) => p.path)).toEqual(['name', 'expiresAt']);
  });

  const ROTATE = `mutation($id: ID!, $o: Int) { rotateApiKey(id: $id, overlapSeconds: $o) { __typename
    ... on RotateApiKeyPayload { key apiKey { id name role expiresAt revokedAt } previous { id revokedAt } }
    ... on Error { message } ... on ValidationError { problems { path } } } }`;
  const mint = async (name: string, role = 'OPERATOR', expiresAt: string | null = null) =>
    (await app.graphql(`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { ... on CreateApiKeyPayload { key apiKey { id } } } }`, { i: { name, role, expiresAt } }, t.keys.ADMIN)).body.data.createApiKey;
  const role = async (key: string) => (await app.graphql(`{ viewer { role } }`, {}, key)).body.data?.viewer?.role ?? null;

  it('rotates a key in one step: same name, role and expiry; the old key stops at once', async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const old = await mint('ci deploy', 'OPERATOR', expiresAt);
    const r = (await app.graphql(ROTATE, { id: old.apiKey.id }, t.keys.ADMIN)).body.data.rotateApiKey;
    expect(r.__typename).toBe('RotateApiKeyPayload');
    expect(r.apiKey).toMatchObject({ name: 'ci deploy', role: 'OPERATOR', expiresAt, revokedAt: null });
    expect(r.previous.revokedAt).not.toBeNull();
    expect(await role(r.key)).toBe('OPERATOR');
    expect(await role(old.key)).toBeNull();
    // The replaced key cannot be rotated again (that would leave two live keys).
    expect((await app.graphql(ROTATE, { id: old.apiKey.id }, t.keys.ADMIN)).body.data.rotateApiKey.__typename).toBe('ConflictError');
  });

  it('keeps the old key working for the overlap asked for, and refuses a bad overlap or a role below ADMIN', async () => {
    const old = await mint('partner sync');
    const before = Date.now();
    const r = (await app.graphql(ROTATE, { id: old.apiKey.id, o: 3600 }, t.keys.ADMIN)).body.data.rotateApiKey;
    expect(new Date(r.previous.revokedAt).getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
    expect(await role(old.key)).toBe('OPERATOR');
    expect(await role(r.key)).toBe('OPERATOR');
    const other = await mint('other');
    const bad = (await app.graphql(ROTATE, { id: other.apiKey.id, o: 8 * 86_400 }, t.keys.ADMIN)).body.data.rotateApiKey;
    expect(bad.problems.map((p: any) => p.path)).toEqual(['overlapSeconds']);
    expect(await role(other.key)).toBe('OPERATOR'); // nothing changed
    expect((await app.graphql(ROTATE, { id: other.apiKey.id }, t.keys.OPERATOR)).body.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('two rotations of one key at once make one new key', async () => {
    const old = await mint('raced');
    const both = await Promise.all([1, 2].map(() => app.graphql(ROTATE, { id: old.apiKey.id }, t.keys.ADMIN)));
    expect(both.map((b) => b.body.data.rotateApiKey.__typename).sort()).toEqual(['ConflictError', 'RotateApiKeyPayload']);
    expect(await app.db.apiKey.count({ where: { tenantId: t.id, name: 'raced', revokedAt: null } })).toBe(1);
  });
});
