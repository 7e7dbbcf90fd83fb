// Where the product's own files (migrations, PDF templates, the dashboard) are. Run from the
// sources (tsx, vitest), each module finds them relative to itself in the repository. The
// production build (tools/src/build/build.ts) bundles every module into server/dist/main.js,
// where import.meta.url is the bundle's for all of them, so it copies those files beside the
// bundle and defines __FLOWDECK_BUNDLE__ to make productPath() look there instead.
import { fileURLToPath } from 'node:url';

declare const __FLOWDECK_BUNDLE__: boolean | undefined;

/** True in the built bundle (server/dist), false when running from the sources. */
export const BUNDLED = typeof __FLOWDECK_BUNDLE__ !== 'undefined' && __FLOWDECK_BUNDLE__ === true;

/**
 * `fromSource` relative to the calling module's file in the repository, or `inBundle` relative to
 * server/dist in the build. Pass `import.meta.url` as `moduleUrl`.
 */
export function productPath(moduleUrl: string, fromSource: string, inBundle: string): string {
  return fileURLToPath(new URL(BUNDLED ? inBundle : fromSource, moduleUrl));
}
