// The partner traffic mix: what an integration partner's backend does against the API.
// Weights: list workflows 20%, list executions 25%, one execution 20%, logs with filters 30%,
// trigger a run 5% (with an idempotency key, as partners are told to send).
import { check, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { gql, pick, target } from './lib.js';

// The documents live in partner-operations.json, where the statement-count test reads them too.
const OPS = JSON.parse(open('./partner-operations.json'));
const WORKFLOWS = OPS.workflows;
const EXECUTIONS = OPS.executions;
const EXECUTION = OPS.execution;
const LOGS = OPS.logs;
const TRIGGER = OPS.trigger;

const LEVEL_SETS = [['ERROR'], ['WARN', 'ERROR'], null];

/** A GraphQL error arrives with HTTP 200, so http_req_failed alone would not see it. Refusals are not errors. */
export const graphqlErrors = new Rate('graphql_errors');
/** Answered with data. */
const accepted = new Counter('accepted');
const acceptedMs = new Trend('accepted_ms', true);
/** Refused by admission control: 503 OVERLOADED or 429 RATE_LIMITED, with Retry-After. */
const refused = new Counter('refused');
const refusedMs = new Trend('refused_ms', true);
/** Anything else that is not an answer: transport failures, other statuses or error codes. */
const otherErrors = new Counter('other_errors');

function errorCode(res) {
  try {
    return res.json('errors.0.extensions.code');
  } catch {
    return undefined;
  }
}

export function ok(res, name) {
  const code = errorCode(res);
  if ((res.status === 503 && code === 'OVERLOADED') || (res.status === 429 && code === 'RATE_LIMITED')) {
    const typed = Number(res.headers['Retry-After']) > 0;
    refused.add(1, { op: name });
    refusedMs.add(res.timings.duration, { op: name });
    if (!typed) otherErrors.add(1, { op: name });
    // Closed-model runs (a fixed set of clients) wait as told, as a well-behaved partner does;
    // an open-model step keeps arriving regardless.
    if (__ENV.RESPECT_RETRY_AFTER && typed) sleep(Number(res.headers['Retry-After']));
    return check(res, { 'refusal carries Retry-After': () => typed });
  }
  const good = res.status === 200 && !res.json('errors') && (name !== 'trigger' || res.json('data.triggerWorkflow.__typename') === 'TriggerWorkflowPayload');
  graphqlErrors.add(!good, { op: name });
  if (good) {
    accepted.add(1, { op: name });
    acceptedMs.add(res.timings.duration, { op: name });
  } else otherErrors.add(1, { op: name });
  return check(res, { [`${name} ok`]: () => good });
}

/** OP=<name> runs one operation of the mix only (for profiling one at a time). */
const ONLY = { workflows: 0.1, executions: 0.3, execution: 0.5, logs: 0.8, trigger: 0.99 }[__ENV.OP];

export function partnerRequest() {
  const r = ONLY ?? Math.random();
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
