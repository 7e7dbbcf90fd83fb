// GraphQL calls the tests use to set the stage (the UI under test is driven through the page).
import type { Stack } from './fixtures.ts';

export async function tenantId(stack: Stack): Promise<string> {
  const d = await stack.graphql<{ viewer: { tenant: { id: string } } }>('{ viewer { tenant { id } } }');
  return d.viewer.tenant.id;
}

export async function workflowIdByName(stack: Stack, name: string): Promise<string> {
  const d = await stack.graphql<{ workflows: { edges: { node: { id: string; name: string } }[] } }>(
    'query($s: String) { workflows(first: 100, filter: { search: $s }) { edges { node { id name } } } }',
    { s: name },
  );
  const wf = d.workflows.edges.find((e) => e.node.name === name);
  if (!wf) throw new Error(`no workflow named ${name}`);
  return wf.node.id;
}

export async function createWorkflow(stack: Stack, input: Record<string, unknown>): Promise<string> {
  const d = await stack.graphql<{ createWorkflow: { __typename: string; workflow?: { id: string }; message?: string; problems?: unknown[] } }>(
    `mutation($input: CreateWorkflowInput!) {
      createWorkflow(input: $input) {
        __typename
        ... on WorkflowPayload { workflow { id } }
        ... on Error { message }
        ... on ValidationError { problems { path message } }
      }
    }`,
    { input },
  );
  if (!d.createWorkflow.workflow) throw new Error(`createWorkflow: ${JSON.stringify(d.createWorkflow)}`);
  return d.createWorkflow.workflow.id;
}

export async function setEnabled(stack: Stack, id: string, enabled: boolean): Promise<void> {
  const field = enabled ? 'enableWorkflow' : 'disableWorkflow';
  await stack.graphql(`mutation($id: ID!) { ${field}(id: $id) { __typename } }`, { id });
}

export async function trigger(stack: Stack, id: string, context?: Record<string, unknown>): Promise<string> {
  const d = await stack.graphql<{ triggerWorkflow: { execution?: { id: string }; message?: string } }>(
    `mutation($id: ID!, $input: TriggerWorkflowInput) {
      triggerWorkflow(id: $id, input: $input) {
        ... on TriggerWorkflowPayload { execution { id } }
        ... on Error { message }
      }
    }`,
    { id, input: context ? { context } : null },
  );
  if (!d.triggerWorkflow.execution) throw new Error(`triggerWorkflow: ${JSON.stringify(d.triggerWorkflow)}`);
  return d.triggerWorkflow.execution.id;
}

/**
 * A tenant of its own with an ADMIN key, made with the operator CLI (npm run admin) against the
 * stack's database: a page that shows tenant-wide numbers can then be checked against exactly
 * what the test wrote, whatever other specs did in the demo tenant.
 */
export async function newTenant(stack: Stack, name: string, timezone = 'Asia/Manila'): Promise<{ apiKey: string; tenantId: string; graphql: Stack['graphql'] }> {
  const { spawnSync } = await import('node:child_process');
  const path = await import('node:path');
  const root = path.resolve(import.meta.dirname, '..', '..');
  const slug = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${Date.now().toString(36)}`;
  const cli = (...args: string[]) => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'server', 'src', 'cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: stack.databaseUrl },
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`admin ${args.join(' ')}: ${res.stderr}`);
    return res.stdout;
  };
  const tenantId = /\(id ([0-9a-f-]{36})/.exec(cli('tenants', 'create', '--name', name, '--slug', slug, '--timezone', timezone))![1]!;
  const apiKey = /^(fd_\S+)$/m.exec(cli('keys', 'create', '--tenant', slug, '--role', 'ADMIN', '--name', 'e2e'))![1]!;
  return {
    apiKey,
    tenantId,
    async graphql(query, variables) {
      const res = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'x-graphql-yoga-csrf': '1' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: { message: string }[] };
      if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
      return body.data as never;
    },
  };
}
