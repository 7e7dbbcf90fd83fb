// Open model: a constant arrival rate of partner requests, whatever the latency, with
// dropped_iterations counting what k6 could not start in time. Baseline thresholds:
// p95 ≤ 200 ms and < 0.1% errors.
import { partnerRequest } from './mix.js';

const rate = Number(__ENV.RATE ?? 100);
export const options = {
  scenarios: {
    partners: {
      executor: 'constant-arrival-rate',
      rate,
      timeUnit: '1s',
      duration: __ENV.DURATION ?? '30s',
      preAllocatedVUs: Math.max(20, Math.ceil(rate / 5)),
      maxVUs: Math.max(100, rate),
    },
  },
  thresholds: {
    ...(__ENV.NO_THRESHOLDS ? {} : { http_req_duration: ['p(95)<=200'], http_req_failed: ['rate<0.001'], graphql_errors: ['rate<0.001'] }),
    // Always-true thresholds on tagged sub-metrics, so the summary reports each operation.
    ...Object.fromEntries(['workflows', 'executions', 'execution', 'logs', 'trigger'].map((op) => [`http_req_duration{op:${op}}`, ['max>=0']])),
  },
};

export default partnerRequest;
