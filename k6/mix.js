// The partner traffic mix: what an integration partner's backend does against the API.
// Weights: list workflows 20%, list executions 25%, one execution 20%, logs with filters 30%,
// trigger a run 5% (with an idempotency key, as partners are told to send).
import { check } from 'k6';
import { Rate } from 'k6/metrics';
import { gql, pick, target } from './lib.js';

// The documents live in partner-operations.json, where the statement-count test reads them too.
const OPS = JSON.parse(open('./partner-operations.json'));
const WORKFLOWS = OPS.workflows;
const EXECUTIONS = OPS.executions;
const EXECUTION = OPS.execution;
const LOGS = OPS.logs;
const TRIGGER = OPS.trigger;

const LEVEL_SETS = [['ERROR'], ['WARN', 'ERROR'], null];

/** A GraphQL error arrives with HTTP 200, so http_req_failed alone would not see it. */
export const graphqlErrors = new Rate('graphql_errors');

function ok(res, name) {
  const good = res.status === 200 && !res.json('errors') && (name !== 'trigger' || res.json('data.triggerWorkflow.__typename') === 'TriggerWorkflowPayload');
  graphqlErrors.add(!good, { op: name });
  return check(res, { [`${name} ok`]: () => good });
}

export function partnerRequest() {
  const r = Math.random();
  if (r < 0.2) return ok(gql(WORKFLOWS, { first: 20 }, { op: 'workflows' }), 'workflows');
  if (r < 0.45) {
    const filter = Math.random() < 0.5 ? { workflowId: pick(target.workflowIds) } : { statuses: ['FAILED'] };
    return ok(gql(EXECUTIONS, { first: 50, filter }, { op: 'executions' }), 'executions');
  }
  if (r < 0.65) return ok(gql(EXECUTION, { id: pick(target.executionIds) }, { op: 'execution' }), 'execution');
  if (r < 0.95) {
    const levels = pick(LEVEL_SETS);
    const filter = Math.random() < 0.5 ? { executionId: pick(target.executionIds) } : levels ? { levels } : {};
    return ok(gql(LOGS, { first: 100, filter }, { op: 'logs' }), 'logs');
  }
  const input = { idempotencyKey: `k6-${__VU}-${__ITER}-${Date.now()}`, context: { n: __ITER } };
  return ok(gql(TRIGGER, { id: pick(target.workflowIds), input }, { op: 'trigger' }), 'trigger');
}
