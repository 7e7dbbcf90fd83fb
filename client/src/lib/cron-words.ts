// Cron expressions in plain words for the common shapes operators write; anything fancier is
// shown as the expression itself rather than guessed at.
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const num = (f: string) => (/^\d+$/.test(f) ? Number(f) : null);
const step = (f: string) => /^\*\/(\d+)$/.exec(f)?.[1];
const list = (f: string) => (/^\d+(,\d+)*$/.test(f) ? f.split(',').map(Number) : null);

function time(h: number, m: number, s?: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(h)}:${pad(m)}${s ? `:${pad(s)}` : ''}`;
}

function joinWords(words: string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function dayPart(dom: string, month: string, dow: string): string | null {
  const parts: string[] = [];
  if (dow !== '*') {
    if (dow === '1-5') parts.push('on weekdays');
    else if (dow === '0,6' || dow === '6,0') parts.push('on weekends');
    else {
      const days = list(dow);
      if (!days || days.some((d) => d > 7)) return null;
      parts.push(`on ${joinWords(days.map((d) => DAYS[d % 7]!))}`);
    }
  }
  if (dom !== '*') {
    const days = list(dom);
    if (!days) return null;
    parts.push(`on day ${joinWords(days.map(String))} of the month`);
  }
  if (month !== '*') {
    const months = list(month);
    if (!months || months.some((m) => m < 1 || m > 12)) return null;
    parts.push(`in ${joinWords(months.map((m) => MONTHS[m - 1]!))}`);
  }
  return parts.join(' ');
}

export function describeCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) return expression;
  const [sec, min, hour, dom, month, dow] = fields.length === 6 ? fields : ['0', ...fields];
  const days = dayPart(dom!, month!, dow!);
  if (days === null) return expression;
  const suffix = days ? ` ${days}` : '';
  const s = num(sec!);
  if (s === null) {
    const every = step(sec!);
    if (every && min === '*' && hour === '*') return `Every ${every} seconds${suffix}`;
    if (sec === '*' && min === '*' && hour === '*') return `Every second${suffix}`;
    return expression;
  }
  const m = num(min!);
  const h = num(hour!);
  if (m !== null && h !== null) return `At ${time(h, m, s)}${suffix || ' every day'}`;
  const hours = list(hour!);
  if (m !== null && hours) return `At ${joinWords(hours.map((x) => time(x, m, s)))}${suffix || ' every day'}`;
  if (m !== null && hour === '*') return `Every hour at minute ${m}${suffix}`;
  const everyMin = step(min!);
  if (everyMin && hour === '*') return `Every ${everyMin} minutes${suffix}`;
  if (min === '*' && hour === '*') return `Every minute${suffix}`;
  const everyHour = step(hour!);
  if (m !== null && everyHour) return `Every ${everyHour} hours at minute ${m}${suffix}`;
  return expression;
}
