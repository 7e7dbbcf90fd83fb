// A raw graphql-transport-ws socket for the whole-stack suites: frames queue up; next() waits for
// the next one; closed resolves with the close code.
import WebSocket from 'ws';

export interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

export async function openWs(baseUrl: string, protocol: string | null = 'graphql-transport-ws') {
  const ws = new WebSocket(`${baseUrl.replace('http', 'ws')}/graphql`, protocol ? [protocol] : []);
  const frames: Frame[] = [];
  const waiters: ((f: Frame) => void)[] = [];
  ws.on('message', (data) => {
    const f = JSON.parse(String(data)) as Frame;
    const w = waiters.shift();
    if (w) w(f);
    else frames.push(f);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    closed,
    send: (f: Frame | string) => ws.send(typeof f === 'string' ? f : JSON.stringify(f)),
    next: (timeoutMs = 5_000) =>
      frames.length
        ? Promise.resolve(frames.shift()!)
        : new Promise<Frame>((resolve, reject) => {
            const waiter = (f: Frame) => {
              clearTimeout(timer);
              resolve(f);
            };
            // A waiter that timed out leaves the queue, so the next frame goes to the next next().
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              reject(new Error('no frame within timeout'));
            }, timeoutMs);
            waiters.push(waiter);
          }),
    /** Frames received and not yet taken by next(). */
    pending: () => frames.length,
  };
}

/** An acknowledged connection; key goes in connectionParams.authToken. */
export async function connectedWs(baseUrl: string, key?: string) {
  const s = await openWs(baseUrl);
  s.send({ type: 'connection_init', payload: key ? { authToken: key } : {} });
  const ack = await s.next();
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
  return s;
}
