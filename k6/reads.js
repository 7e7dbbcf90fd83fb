// The side-by-side comparison with PostGraphile: the read operations of the partner mix (its
// weights without the 5% of triggers), with the filters both APIs express (PostGraphile's
// `condition` is equality only, so one level or one status rather than a set), the same fields
// and page sizes, against Flowdeck (TARGET_KIND=flowdeck) or PostGraphile v5 (postgraphile),
// as fast as each answers (closed model, same VUs). Tenant scope: Flowdeck's comes from the API
// key; PostGraphile gets the tenant as a condition (execution by id: by primary key alone).
import http from 'k6/http';
import { pick, target } from './lib.js';
import { ok } from './mix.js';

export const options = {
  scenarios: { reads: { executor: 'constant-vus', vus: Number(__ENV.VUS ?? 32), duration: __ENV.DURATION ?? '20s' } },
  thresholds: Object.fromEntries(['workflows', 'executions', 'execution', 'logs'].map((op) => [`http_req_duration{op:${op}}`, ['max>=0']])),
};

const OPS = JSON.parse(open('./partner-operations.json'));
const PGL = {
  workflows: `query Workflows($t: UUID!, $first: Int!) { allWorkflows(first: $first, condition: { tenantId: $t }, orderBy: [ROW_ID_DESC]) { totalCount edges { cursor node { id name enabled schedule timezone } } pageInfo { hasNextPage endCursor } } }`,
  executions: `query Executions($first: Int!, $condition: WorkflowExecutionCondition) { allWorkflowExecutions(first: $first, condition: $condition, orderBy: [CREATED_AT_DESC, ROW_ID_DESC]) { edges { node { id status trigger createdAt startedAt finishedAt stepsTotal stepsCompleted } } pageInfo { hasNextPage endCursor } } }`,
  execution: `query Execution($id: UUID!) { workflowExecutionByRowId(rowId: $id) { id status trigger createdAt error progress stepsTotal stepsCompleted stepRunsByExecutionId(orderBy: [INDEX_ASC]) { nodes { index type status startedAt finishedAt } } } }`,
  logs: `query Logs($first: Int!, $condition: LogEntryCondition) { allLogEntries(first: $first, condition: $condition, orderBy: [PRIMARY_KEY_DESC]) { edges { cursor node { id level message createdAt executionId step } } pageInfo { hasNextPage endCursor } } }`,
};

const pgl = __ENV.TARGET_KIND === 'postgraphile';
const url = pgl ? `${target.postgraphileUrl}/graphql` : `${target.url}/graphql`;
const headers = pgl ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` };
/** Counts accepted, refused (Flowdeck's admission control; a refused client waits Retry-After) and other errors, as the mix does. */
function post(op, query, variables) {
  ok(http.post(url, JSON.stringify({ query, variables }), { headers, tags: { op } }), op);
}

/** The same choice of operation and arguments for both targets; `i` picks raw or global ids. */
export default function () {
  const r = Math.random() * 0.95;
  const w = Math.floor(Math.random() * target.workflowIds.length);
  const e = Math.floor(Math.random() * target.executionIds.length);
  const t = target.tenantId;
  if (r < 0.2) return pgl ? post('workflows', PGL.workflows, { t, first: 20 }) : post('workflows', OPS.workflows, { first: 20 });
  if (r < 0.45) {
    const byWorkflow = Math.random() < 0.5;
    if (pgl) return post('executions', PGL.executions, { first: 50, condition: byWorkflow ? { tenantId: t, workflowId: target.rawWorkflowIds[w] } : { tenantId: t, status: 'FAILED' } });
    return post('executions', OPS.executions, { first: 50, filter: byWorkflow ? { workflowId: target.workflowIds[w] } : { statuses: ['FAILED'] } });
  }
  if (r < 0.65) return pgl ? post('execution', PGL.execution, { id: target.rawExecutionIds[e] }) : post('execution', OPS.execution, { id: target.executionIds[e] });
  const kind = pick(['execution', 'execution', 'execution', 'error', 'all', 'all']);
  if (pgl) {
    const condition = kind === 'execution' ? { tenantId: t, executionId: target.rawExecutionIds[e] } : kind === 'error' ? { tenantId: t, level: 'ERROR' } : { tenantId: t };
    return post('logs', PGL.logs, { first: 100, condition });
  }
  const filter = kind === 'execution' ? { executionId: target.executionIds[e] } : kind === 'error' ? { levels: ['ERROR'] } : {};
  return post('logs', OPS.logs, { first: 100, filter });
}
