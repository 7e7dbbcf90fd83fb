// What the redactor replaces values with ([EMAIL], [PHONE]…). A file of its own so the pattern
// files (redact-credentials.ts) can name the kinds without importing the redactor that uses them.
export const REDACTION_KINDS = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'ID', 'IP', 'JWT', 'TOKEN', 'API_KEY', 'SECRET'] as const;
export type RedactionKind = (typeof REDACTION_KINDS)[number];
