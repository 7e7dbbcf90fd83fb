// The ceiling: a hello-world graphql-yoga server on this machine, driven as hard as k6 can
// (closed model) so the partner mix can be reported as a fraction of it.
import http from 'k6/http';
import { check } from 'k6';
import { target } from './lib.js';

export const options = {
  scenarios: { ceiling: { executor: 'constant-vus', vus: Number(__ENV.VUS ?? 32), duration: __ENV.DURATION ?? '20s' } },
};

const body = JSON.stringify({ query: '{ hello }' });
const params = { headers: { 'content-type': 'application/json' } };

export default function () {
  const res = http.post(`${target.helloUrl}/graphql`, body, params);
  check(res, { 'hello answered': (r) => r.status === 200 });
}
