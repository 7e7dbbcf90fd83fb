// Credentials, by issuer where the issuer has a recognisable format (like Datadog's and
// GitHub's secret scanners), and by the name they are given everywhere else. Every pattern
// starts at a token boundary and every repetition is bounded or ends at a required delimiter
// (see redact.ts), so each stays linear in the line's length.
import type { RedactionKind } from './redact-kinds.ts';

export interface CredentialPattern {
  re: RegExp;
  kind: RedactionKind;
  /** Capture groups that may hold the credential, first one set wins (the whole match when absent). */
  groups?: number[];
  /** Last word: false keeps the match (e.g. a value that is a placeholder, not a secret). */
  accept?: (m: RegExpExecArray) => boolean;
  /** Something every match contains; a line without it skips the pattern (see regexPass). */
  hint?: (text: string) => boolean;
}

// Values that name the absence of a secret; redacting them would only lose information.
const PLACEHOLDER = /^(?:null|none|nil|undefined|true|false|yes|no|\*+|x+|-+|\.+|redacted|\[redacted\]|<redacted>|\[secret\]|\[token\]|\[api_key\]|\[jwt\]|hidden|masked|\$\{\w+\}|\$[A-Z_][A-Z0-9_]*|\[\w+\]?|\{\{\s*\w+\s*\}\}|%s|<[\w-]+>|\d{1,2}|ok|valid|invalid|expired|missing|required|set|unset|empty)$/i;

const ISSUER_KEYS = [
  // Flowdeck's own keys: fd_<12 lower-case alphanumerics>_<40> (auth/api-keys.ts); case and
  // lengths are left loose so a retyped, truncated or future-format key is caught too.
  '[Ff][Dd]_[A-Za-z0-9]{6,24}_[A-Za-z0-9]{16,96}',
  // Supabase's new-format keys (JWT-format keys are caught as JWTs).
  'sb_(?:publishable|secret)_[A-Za-z0-9_-]{16,128}',
  // Meta (Facebook/WhatsApp Cloud) access tokens start with EAA.
  'EAA[A-Za-z0-9]{20,512}',
  // ChatGPT Builder: `<digits>.<alphanumeric>` (contracts/EXTERNAL_APIS.md); a letter is
  // required so decimal numbers and version strings stay.
  '\\d{4,12}\\.(?=[A-Za-z0-9]{0,127}[A-Za-z])[A-Za-z0-9]{16,128}',
  '[sr]k_(?:live|test)_[A-Za-z0-9]{16,128}',
  'sk-(?:proj-|ant-(?:api\\d\\d-)?|svcacct-)?[A-Za-z0-9_-]{20,200}',
  '(?:AKIA|ASIA)[0-9A-Z]{16}',
  'gh[pousr]_[A-Za-z0-9]{30,255}',
  'github_pat_\\w{30,255}',
  'xox[abprs]-[A-Za-z0-9-]{10,255}',
  'AIza[\\w-]{35}',
  'glpat-[\\w-]{20,64}',
  'SG\\.[\\w-]{16,32}\\.[\\w-]{16,64}',
  'npm_[A-Za-z0-9]{36}',
  'shp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}',
  'whsec_[A-Za-z0-9+/=]{24,128}',
];

// Names a credential is given in key=value pairs, JSON, headers, query strings, YAML and env
// files. An optional name prefix covers SUPABASE_SERVICE_ROLE_KEY, X-Amz-Signature, db.password.
const SECRET_NAME =
  '(?:pass(?:word|wd|phrase)?|pwd|secret|client[_-]?secret|(?:access|refresh|id|auth|session|api|bearer|csrf|xsrf|security|bot|app|private)?[_-]?token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|secret[_-]?key|signing[_-]?key|master[_-]?key|session[_-]?id|sessid|sid|cookie|otp|pin|cvv|cvc|sig|signature|credentials?|key|auth)';

const PAIR = new RegExp(
  `(?<![\\w-])((?:[A-Za-z0-9]{1,24}[_.-]){0,4}${SECRET_NAME})\\\\?["']?\\s{0,4}[:=]\\s{0,4}(?!Bearer\\b|Basic\\b|bearer\\b)(?:\\\\?"([^"\\\\\\n\\u0001]{1,256})\\\\?"|\\\\?'([^'\\\\\\n\\u0001]{1,256})\\\\?'|([^\\s"'\\\\&,;}<>)\\]\\u0001\\u0370-\\uffff]{1,512}))`,
  'gid',
);

export const CREDENTIAL_PATTERNS: CredentialPattern[] = [
  // PEM private keys, whole; a block cut off before its END line (a truncated log) up to where it stops.
  {
    re: /-----BEGIN [A-Z ]{0,24}PRIVATE KEY-----[A-Za-z0-9+/=\s\\:,]{0,16384}(?:-----END [A-Z ]{0,24}PRIVATE KEY-----)?/g,
    kind: 'SECRET',
    hint: (t) => t.includes('-----BEGIN'),
  },
  // JWTs: three base64url segments, the first a JSON header (`{"` encodes to eyJ).
  { re: /(?<![\w-])eyJ[\w-]{5,}\.[\w-]+\.[\w-]*/g, kind: 'JWT', hint: (t) => t.includes('eyJ') },
  { re: new RegExp(`(?<![\\w-])(?:${ISSUER_KEYS.join('|')})(?![\\w-])`, 'g'), kind: 'API_KEY' },
  // Credentials in URLs: scheme://user:password@host.
  { re: /(?<=:\/\/)[^\s/:@"\u0001]{1,256}:[^\s/@"\u0001]{1,256}(?=@)/g, kind: 'SECRET', hint: (t) => t.includes('://') },
  // Authorization schemes. "Basic"/"Token" are also plain words, so their credential must contain a digit.
  {
    re: /(?<![\w])(?:([Bb]earer|BEARER)|Basic|Token|token)\s{1,8}([A-Za-z0-9\-._~+/]{8,}=*)/gd,
    kind: 'TOKEN',
    groups: [2],
    accept: (m) => !!m[1] || /\d/.test(m[2]!),
  },
  {
    re: PAIR,
    kind: 'SECRET',
    hint: (t) => t.includes('=') || t.includes(':'),
    groups: [2, 3, 4],
    accept: (m) => {
      const name = m[1]!.toLowerCase();
      const value = m[2] ?? m[3] ?? m[4]!;
      if (PLACEHOLDER.test(value.replace(/[:.,;]+$/, ''))) return false;
      // "key", "sid", "pin" and "sig" also name ordinary things (a cache key, a step id): their
      // value must look generated — long, with letters and digits, without the ":" of a compound key.
      if (/(?:^|[_.-])(?:key|sid|sig)$/.test(name) && !/(?:api|access|secret|private|signing|master)[_-]?key$/.test(name)) {
        return value.length >= 12 && /\d/.test(value) && /[A-Za-z]/.test(value) && !value.includes(':');
      }
      return true;
    },
  },
];
