// Shared by the k6 scripts: the target description written by server/src/dev/loadtest.ts.
import http from 'k6/http';

export const target = JSON.parse(open(__ENV.TARGET_FILE));

export function gql(query, variables, tags) {
  return http.post(`${target.url}/graphql`, JSON.stringify({ query, variables }), {
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
    tags,
  });
}

export function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}
