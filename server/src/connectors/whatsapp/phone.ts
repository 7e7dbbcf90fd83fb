// Recipients are keyed by E.164 everywhere (OutboundMessage.recipient, idempotency keys, CGB
// lookups), so "0917 123 4567" and "+63 917 123 4567" are one person.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

export function toE164(raw: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(String(raw).trim(), defaultCountry.toUpperCase() as CountryCode);
  return parsed && parsed.isValid() ? parsed.number : null;
}
