/**
 * Anything long-lived in a Flowdeck process (HTTP server, workers, scheduler, log writer).
 * app.ts starts them in order and stops them in reverse order within the shutdown deadline.
 * In a file of its own so the modules that build components need not import app.ts, which
 * imports them.
 */
export interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
