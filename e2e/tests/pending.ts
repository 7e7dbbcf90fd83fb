// The log export route is built on another branch (logs). Until it is merged into this branch
// the export spec is skipped with the reason printed; once merged it runs.

/** GET /api/v1/logs/export answers 401 without a key once the route exists. */
export async function exportRouteMissing(url: string): Promise<string | null> {
  const res = await fetch(`${url}/api/v1/logs/export?format=csv`);
  return res.status === 404 ? 'the log export route (branch logs) is not merged yet' : null;
}
