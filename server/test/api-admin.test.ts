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
});
