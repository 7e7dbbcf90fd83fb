// CPU time that a benchmark phase costs, per process, read from /proc (Linux only): throughput
// alone cannot tell a slow engine from a busy machine, and on a small machine the three servers
// compete for the same cores. CPU time is what a process really ran (unlike wall time inside a
// profiler or a server's own statistics, which grow when the process waits for a core).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The processes a phase is charged to: PostgreSQL (the postmaster and its children), Redis, and Node (ours and any workers we started). */
export interface CpuPids {
  postgres: number;
  redis: number;
  node: () => number[];
}

export interface CpuUse {
  /** CPU µs per item (job or run) in each. */
  postgres: number;
  node: number;
  redis: number;
  /** Share of the whole machine that was busy (every process, every core). */
  machineBusy: number;
}

const TICK_US = 1_000_000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100);

/** utime + stime of a process (all its threads) and its parent's pid; undefined once it has exited. */
function stat(pid: number): { ticks: number; ppid: number } | undefined {
  try {
    // The command name may hold spaces and parentheses; the fields start after its last ')'.
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return undefined;
  }
}

/** CPU ticks of a process and of each of its direct children (PostgreSQL's backends are the postmaster's children), by pid. */
function tree(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  const own = stat(pid);
  if (own) out.set(pid, own.ticks);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s?.ppid === pid) out.set(Number(entry), s.ticks);
  }
  return out;
}

/**
 * µs the processes of `after` ran since `before`. A process that exited in between is left out
 * (its time went with it), rather than counted as negative time.
 */
function spent(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks * TICK_US;
}

function machine(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total }; // idle and iowait are not busy
}

/**
 * Starts measuring; the returned function gives the CPU per item since then. Backends that exit
 * during the phase take their time with them (a small undercount), so a phase should keep its
 * connections open.
 */
export function measureCpu(pids: CpuPids): (items: number) => CpuUse {
  const own = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const node = () => pids.node().reduce((sum, pid) => sum + (pid === process.pid ? own() : (stat(pid)?.ticks ?? 0) * TICK_US), 0);
  const before = { postgres: tree(pids.postgres), redis: tree(pids.redis), node: node(), machine: machine() };
  return (items) => {
    const m = machine();
    return {
      postgres: spent(before.postgres, tree(pids.postgres)) / items,
      redis: spent(before.redis, tree(pids.redis)) / items,
      node: (node() - before.node) / items,
      machineBusy: (m.busy - before.machine.busy) / (m.total - before.machine.total),
    };
  };
}
