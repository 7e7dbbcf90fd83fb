// A partner's view of the cluster: GraphQL over HTTP and graphql-ws (raw protocol frames, so a
// reconnect to another api process is explicit and its `after` cursor visible).
import WebSocket from 'ws';

export interface GraphQLAnswer<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  /** HTTP status, or 0 when the request never got an answer (connection refused, timeout). */
  status: number;
}

export async function gql<T = any>(url: string, key: string, query: string, variables: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<GraphQLAnswer<T>> {
  try {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    try {
      return { ...(JSON.parse(text) as GraphQLAnswer<T>), status: res.status };
    } catch {
      return { status: res.status, errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
    }
  } catch (err) {
    return { status: 0, errors: [{ message: `no answer: ${(err as Error).message}` }] };
  }
}

/** Throws on any error: for the harness's own setup requests, which must work. */
export async function gqlOk<T = any>(url: string, key: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await gql<T>(url, key, query, variables);
  if (res.errors?.length || !res.data) throw new Error(`GraphQL failed (${res.status}): ${JSON.stringify(res.errors)}`);
  return res.data;
}

export const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
export const rawId = (gid: string) => Buffer.from(gid, 'base64').toString().split(':').slice(1).join(':');

export const TRIGGER = `mutation($id: ID!, $input: TriggerWorkflowInput) {
  triggerWorkflow(id: $id, input: $input) {
    __typename
    ... on TriggerWorkflowPayload { created execution { id status } }
    ... on ValidationError { message }
    ... on ConflictError { message }
    ... on NotFoundError { message }
  }
}`;

export interface TriggerOutcome {
  /** Raw execution id when the API answered with a payload. */
  executionId?: string;
  created?: boolean;
  /** The refusal, as the client saw it. */
  error?: string;
  status: number;
}

export async function trigger(url: string, key: string, workflowGid: string, input: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<TriggerOutcome> {
  const res = await gql(url, key, TRIGGER, { id: workflowGid, input }, timeoutMs);
  const payload = res.data?.triggerWorkflow;
  if (payload?.__typename === 'TriggerWorkflowPayload') return { executionId: rawId(payload.execution.id), created: payload.created, status: res.status };
  const error = res.errors?.map((e) => `${e.extensions?.code ?? ''} ${e.message}`.trim()).join('; ') ?? `${payload?.__typename}: ${payload?.message}`;
  return { error: error || 'empty answer', status: res.status };
}

interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * One graphql-ws connection. `subscribe` sends a subscription; `onNext` sees each result;
 * `closed` resolves when the socket goes (server killed, network cut).
 */
export class WsClient {
  private ws!: WebSocket;
  private handlers = new Map<string, { next(payload: any): void; error(e: unknown): void }>();
  private seq = 0;
  closed!: Promise<{ code: number; reason: string }>;

  static async connect(url: string, key: string, timeoutMs = 15_000): Promise<WsClient> {
    const c = new WsClient();
    await c.open(url.replace(/^http/, 'ws') + '/graphql', key, timeoutMs);
    return c;
  }

  private async open(url: string, key: string, timeoutMs: number) {
    this.ws = new WebSocket(url, ['graphql-transport-ws']);
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
    this.ws.on('error', () => {}); // a refused or reset socket shows as `closed`
    let acked!: () => void;
    const ack = new Promise<void>((r) => (acked = r));
    this.ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as Frame;
      if (f.type === 'connection_ack') acked();
      else if (f.type === 'ping') this.send({ type: 'pong' });
      else if (f.type === 'next' && f.id) this.handlers.get(f.id)?.next(f.payload);
      else if (f.type === 'error' && f.id) this.handlers.get(f.id)?.error(f.payload);
    });
    await new Promise<void>((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('close', () => reject(new Error(`websocket to ${url} closed before it opened`)));
    });
    this.send({ type: 'connection_init', payload: { authToken: key } });
    await Promise.race([ack, this.closed.then(() => Promise.reject(new Error('closed before ack'))), sleep(timeoutMs).then(() => Promise.reject(new Error('no ack')))]);
  }

  private send(f: Frame) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(f));
  }

  subscribe(query: string, variables: Record<string, unknown>, onNext: (payload: any) => void, onError: (e: unknown) => void = () => {}): string {
    const id = String(++this.seq);
    this.handlers.set(id, { next: onNext, error: onError });
    this.send({ id, type: 'subscribe', payload: { query, variables } });
    return id;
  }

  close() {
    this.ws.close(1000);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (not undefined/false) or the deadline passes. */
export async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}
