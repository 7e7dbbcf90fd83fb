import { expect, signIn, test } from './fixtures.ts';

// The dashboard sends its operations as persisted documents (hashes), so it works in full with a
// key restricted to them (ApiKey.persistedOnly), which refuses any other GraphQL.
test('the dashboard works with a key restricted to persisted documents, which refuses hand-written GraphQL', async ({ page, stack }) => {
  const { createApiKey } = await stack.graphql<{ createApiKey: { key: string } }>(
    'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { ... on CreateApiKeyPayload { key } } }',
    { input: { name: 'kiosk (e2e)', role: 'ADMIN', persistedOnly: true } },
  );
  const key = createApiKey.key;
  const raw = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ viewer { role } }' }) });
  expect(raw.status).toBe(403);

  // Every page's queries (and the live subscriptions over graphql-ws) answer: no error shows.
  const errors: string[] = [];
  page.on('response', async (res) => {
    if (res.url().includes('/graphql') && res.request().method() !== 'OPTIONS' && res.headers()['content-type']?.includes('json')) {
      const body = (await res.json().catch(() => null)) as { errors?: { extensions?: { code?: string } }[] } | null;
      for (const e of body?.errors ?? []) errors.push(String(e.extensions?.code));
    }
  });
  await signIn(page, key);
  await expect(page.getByText('Demo Travel & Retail')).toBeVisible();
  await page.goto('/workflows');
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await expect(page.locator('tr').nth(1)).toBeVisible();
  for (const [path, heading] of [['/overview', 'Overview'], ['/executions', 'Executions'], ['/logs', 'Log lines per hour'], ['/keys', 'API keys']] as const) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: heading })).toBeVisible();
  }
  await expect(page.locator('tr[data-key="kiosk (e2e)"]')).toContainText('dashboard only');
  expect(errors).toEqual([]);
});
