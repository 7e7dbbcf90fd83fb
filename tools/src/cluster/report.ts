// What the cluster test found: checks (each passes or fails the run) and figures (measured).
export interface Check {
  scenario: string;
  name: string;
  ok: boolean;
  detail: string;
}

export class Report {
  readonly checks: Check[] = [];
  readonly figures: { scenario: string; name: string; value: string }[] = [];
  constructor(private readonly say: (line: string) => void) {}

  check(scenario: string, name: string, ok: boolean, detail = ''): boolean {
    this.checks.push({ scenario, name, ok, detail });
    this.say(`${ok ? 'ok  ' : 'FAIL'} ${scenario}: ${name}${detail ? ` — ${detail}` : ''}`);
    return ok;
  }

  figure(scenario: string, name: string, value: string | number): void {
    this.figures.push({ scenario, name, value: String(value) });
    this.say(`     ${scenario}: ${name} = ${value}`);
  }

  /** A scenario that threw: recorded as a failed check so the run exits non-zero. */
  crashed(scenario: string, err: unknown): void {
    this.check(scenario, 'scenario ran to the end', false, (err as Error)?.stack ?? String(err));
  }

  get failed(): Check[] {
    return this.checks.filter((c) => !c.ok);
  }

  markdown(header: string): string {
    const lines = [header, '', '| scenario | check | result | detail |', '| --- | --- | --- | --- |'];
    for (const c of this.checks) lines.push(`| ${c.scenario} | ${c.name} | ${c.ok ? 'ok' : '**FAIL**'} | ${c.detail.split('\n')[0]!.replaceAll('|', '\\|')} |`);
    lines.push('', '| scenario | figure | value |', '| --- | --- | --- |');
    for (const f of this.figures) lines.push(`| ${f.scenario} | ${f.name} | ${f.value} |`);
    lines.push('', `${this.checks.length - this.failed.length} of ${this.checks.length} checks passed.`);
    return lines.join('\n');
  }
}
