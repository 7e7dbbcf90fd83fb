import type { Config } from '../../config.ts';
import { LocalStorage } from './local.ts';
import type { ObjectStorage } from './storage.ts';
import { SupabaseStorage } from './supabase.ts';

/** The process's storage, from STORAGE_DRIVER (config.ts checks the Supabase settings). */
export function createStorage(config: Config): ObjectStorage {
  const s = config.storage;
  if (s.driver === 'supabase') return new SupabaseStorage({ url: s.supabaseUrl!, serviceKey: s.supabaseKey!, bucket: s.supabaseBucket });
  return new LocalStorage({ root: s.localDir, publicUrl: config.publicUrl, signingSecret: config.signingSecret });
}
