// What every benchmark receives from bench.ts. In a file of its own so the benchmarks do not
// import the runner that imports them (an import cycle).
export interface BenchEnv {
  databaseUrl: string;
  redisUrl: string;
  /** The servers' processes, for CPU accounting (bench-cpu.ts). */
  pids: { postgres: number; redis: number };
  say(line: string): void;
}
