// Coalesces writes that concurrent runs make in the same turn of the event loop into one
// statement. On this kind of machine a round trip costs far more than a row (every query is a
// write syscall here and a parse/plan/execute there), so fifty runs finishing together cost one
// UPDATE instead of fifty. Callers still await their own item: nothing is acknowledged before
// the statement that carries it has committed.
//
// `write` must be all-or-nothing (one statement, or one transaction). When a batch fails it is
// tried again one item at a time, so a bad item fails only its own caller and the others land.

type Pending<I, O> = { item: I; resolve: (out: O) => void; reject: (err: unknown) => void };

export class Batcher<I, O> {
  private pending: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    /** Writes the items; returns one result per item, in order. */
    private readonly write: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 500,
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: it runs after the I/O callbacks of this loop turn, so
        // the replies that arrived together (and the calls they lead to) share one batch.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length > 0) void this.run(batch);
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await this.write(batch.map((p) => p.item));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      await Promise.all(batch.map((p) => this.run([p])));
      return;
    }
    if (results.length !== batch.length) {
      const err = new Error(`batched write returned ${results.length} results for ${batch.length} items`);
      for (const p of batch) p.reject(err);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}

/** One Batcher per owner (a database or Redis client), created on first use. */
export function perOwner<K extends object, B>(create: (owner: K) => B): (owner: K) => B {
  const all = new WeakMap<K, B>();
  return (owner) => {
    let b = all.get(owner);
    if (!b) {
      b = create(owner);
      all.set(owner, b);
    }
    return b;
  };
}
