// Relay global ids. Ids from arguments are decoded here so that malformed ids, ids of another
// type and ids of another tenant all end the same way: "not found".
import { encodeGlobalID } from '@pothos/plugin-relay';
import { NotFoundError } from '../errors.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function globalId(typename: string, id: string): string {
  return encodeGlobalID(typename, id);
}

/** The row id inside a global id of `typename`, or null when it is not one. */
export function localId(globalID: string | null | undefined, typename: string): string | null {
  if (!globalID) return null;
  const decoded = Buffer.from(globalID, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0 || decoded.slice(0, sep) !== typename) return null;
  const id = decoded.slice(sep + 1);
  return UUID.test(id) ? id : null;
}

/** Like localId, for mutations: a NotFoundError (a typed result) instead of null. */
export function requireLocalId(globalID: string, typename: string, entity = typename): string {
  const id = localId(globalID, typename);
  if (!id) throw new NotFoundError(entity, globalID);
  return id;
}
