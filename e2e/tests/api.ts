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
