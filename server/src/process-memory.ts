// Memory of a process tree, read from /proc (Linux). The PDF renderer caps and reports its
// Chromium with it; the start-up benchmark measures each role with it.
import { readFile, readdir } from 'node:fs/promises';

/**
 * Memory of a process and all its descendants, from /proc (Linux): the proportional set size
 * (shared pages split between the processes sharing them), so Chromium's many processes are not
 * counted several times over. Falls back to RSS where smaps_rollup is unavailable.
 */
export async function processTreeMemoryMb(rootPid: number): Promise<number> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // Field 4 (ppid) follows the parenthesised command, which may itself contain spaces.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let kb = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
    const pss = /^Pss:\s+(\d+)/m.exec(rollup)?.[1];
    if (pss) kb += Number(pss);
    else kb += Number(/^VmRSS:\s+(\d+)/m.exec(await readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''))?.[1] ?? 0);
    stack.push(...(children.get(pid) ?? []));
  }
  return kb / 1024;
}
