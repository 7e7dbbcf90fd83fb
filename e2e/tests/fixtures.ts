import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

// The README's screenshots are refreshed on request (UPDATE_SCREENSHOTS=1 npm test); an
// ordinary run keeps its pictures under e2e/test-results, so the tests never dirty the tree.
const screenshots = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots')
  : path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots');

export interface Stack {
  url: string;
  apiKey: string;
  databaseUrl: string;
  /** POSTs a GraphQL document with the demo ADMIN key (for setup the UI is not under test for). */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export const test = base.extend<{ stack: Stack; signedIn: Page }>({
  baseURL: async ({}, use) => use(process.env.FLOWDECK_E2E_URL),
  // The dashboard is served with a strict Content-Security-Policy (server/src/http/security-headers.ts):
  // every test fails if any page of its browser context hit a violation (Chromium reports each on the console).
  context: async ({ context }, use) => {
    const violations: string[] = [];
    const watch = (p: Page) => p.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && violations.push(`${p.url()}: ${m.text()}`)));
    context.pages().forEach(watch);
    context.on('page', watch);
    await use(context);
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  },
  stack: async ({}, use) => {
    const url = process.env.FLOWDECK_E2E_URL!;
    const apiKey = process.env.FLOWDECK_E2E_KEY!;
    await use({
      url,
      apiKey,
      databaseUrl: process.env.FLOWDECK_E2E_DATABASE_URL!,
      async graphql(query, variables) {
        const res = await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-graphql-yoga-csrf': '1' },
          body: JSON.stringify({ query, variables }),
        });
        const body = (await res.json()) as { data?: unknown; errors?: { message: string }[] };
        if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
        return body.data as never;
      },
    });
  },
  signedIn: async ({ page, stack }, use) => {
    await signIn(page, stack.apiKey);
    await use(page);
  },
});

export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.goto('/');
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
}

/** Saves a screenshot of the page (for the README: docs/screenshots/<name>.png, see above). */
export async function snap(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
}

export { expect };
