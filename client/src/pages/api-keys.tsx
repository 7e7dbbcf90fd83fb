import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql';
import type { ApiKeyRole } from '../graphql/graphql.ts';
import { Empty, ErrorState, Loading, errorMessage, payloadProblem } from '../components/states.tsx';
import { formatInZone, localInputToIso } from '../lib/format.ts';
import { useViewer } from '../viewer.tsx';
import { rowId } from '../lib/ids.ts';

const ApiKeysDocument = graphql(`
  query ApiKeys($includeRevoked: Boolean) {
    apiKeys(includeRevoked: $includeRevoked, first: 100) {
      totalCount
      edges {
        node {
          id
          name
          prefix
          role
          persistedOnly
          lastUsedAt
          expiresAt
          revokedAt
          createdAt
        }
      }
    }
  }
`);

const CreateApiKeyDocument = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on CreateApiKeyPayload {
        key
        apiKey {
          id
          name
          prefix
          role
        }
      }
      ... on ValidationError {
        message
        problems {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const RevokeApiKeyDocument = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      __typename
      ... on ApiKeyPayload {
        apiKey {
          id
          revokedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const RotateApiKeyDocument = graphql(`
  mutation RotateApiKey($id: ID!) {
    rotateApiKey(id: $id) {
      __typename
      ... on RotateApiKeyPayload {
        key
        apiKey {
          id
          name
          prefix
          role
        }
        previous {
          id
          revokedAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const ROLES: ApiKeyRole[] = ['VIEWER', 'OPERATOR', 'ADMIN'];


export function ApiKeysPage() {
  const viewer = useViewer();
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const [{ data, fetching, error }, refetch] = useQuery({ query: ApiKeysDocument, variables: { includeRevoked } });
  const [, create] = useMutation(CreateApiKeyDocument);
  const [, revoke] = useMutation(RevokeApiKeyDocument);
  const [, rotate] = useMutation(RotateApiKeyDocument);
  const [name, setName] = useState('');
  const [role, setRole] = useState<ApiKeyRole>('OPERATOR');
  const [expires, setExpires] = useState('');
  const [persistedOnly, setPersistedOnly] = useState(false);
  const [secret, setSecret] = useState<{ key: string; name: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function mint(keyName: string, keyRole: ApiKeyRole, expiresAt: string | null, dashboardOnly: boolean): Promise<boolean> {
    const res = await create({ input: { name: keyName, role: keyRole, expiresAt, persistedOnly: dashboardOnly } });
    const r = res.data?.createApiKey;
    if (res.error) return setProblem(errorMessage(res.error)), false;
    if (r?.__typename !== 'CreateApiKeyPayload') return setProblem(payloadProblem(r, 'CreateApiKeyPayload') ?? 'The key was not created.'), false;
    setSecret({ key: r.key, name: r.apiKey.name });
    return true;
  }

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    if (await mint(name.trim(), role, localInputToIso(expires), persistedOnly)) {
      setName('');
      setExpires('');
      setPersistedOnly(false);
    }
  }

  async function onRevoke(id: string, label: string) {
    if (!window.confirm(`Revoke ${label}? Anything using it stops working at once.`)) return;
    const res = await revoke({ id });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.revokeApiKey, 'ApiKeyPayload'));
  }

  // One mutation: the new key and the old one's revocation land together or not at all.
  async function onRotate(id: string, keyName: string) {
    if (!window.confirm(`Rotate ${keyName}? A new key is shown once; the old one is revoked.`)) return;
    setProblem(null);
    const res = await rotate({ id });
    const r = res.data?.rotateApiKey;
    if (res.error) return setProblem(errorMessage(res.error));
    if (r?.__typename !== 'RotateApiKeyPayload') return setProblem(payloadProblem(r, 'RotateApiKeyPayload') ?? 'The key was not rotated.');
    setSecret({ key: r.key, name: r.apiKey.name });
  }

  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">API keys</h1>
        {data && <span className="muted">{data.apiKeys.totalCount} keys</span>}
      </div>
      {secret && (
        <div className="card" role="alert">
          <p>
            <strong>New key “{secret.name}”.</strong> Copy it now: it is shown only this once and stored only as a hash.
          </p>
          <p className="secret" data-testid="new-secret">
            {secret.key}
          </p>
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.key)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            I have stored it
          </button>
        </div>
      )}
      <form className="card toolbar" onSubmit={onCreate} aria-label="Create an API key">
        <div className="field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </div>
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" value={role} onChange={(e) => setRole(e.target.value as ApiKeyRole)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="key-expires">Expires (optional)</label>
          <input id="key-expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        <label className="inline" title="The key can run only the dashboard's own operations (persisted documents), not arbitrary GraphQL: for keys that live in a browser.">
          <input type="checkbox" checked={persistedOnly} onChange={(e) => setPersistedOnly(e.target.checked)} /> Dashboard operations only
        </label>
        <button type="submit" className="primary" disabled={!name.trim()}>
          Create key
        </button>
        <label className="inline">
          <input type="checkbox" checked={includeRevoked} onChange={(e) => setIncludeRevoked(e.target.checked)} /> Show revoked
        </label>
      </form>
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {error && !data ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : fetching && !data ? (
        <Loading />
      ) : !data?.apiKeys.edges.length ? (
        <Empty>No keys.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Role</th>
                <th scope="col" className="hide-narrow">
                  Last used
                </th>
                <th scope="col" className="hide-narrow">
                  Expires
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.apiKeys.edges.map(({ node: k }) => {
                // viewer.apiKeyId is a row id, ApiKey.id a global id.
                const self = rowId(k.id) === rowId(viewer.apiKeyId);
                return (
                  <tr key={k.id} data-key={k.name}>
                    <td>
                      {k.name} {self && <span className="badge">this session</span>}
                    </td>
                    <td>
                      <code>fd_{k.prefix}_…</code>
                    </td>
                    <td>
                      {k.role} {k.persistedOnly && <span className="badge" title="Runs only the dashboard's persisted operations">dashboard only</span>}
                    </td>
                    <td className="hide-narrow">{k.lastUsedAt ? formatInZone(k.lastUsedAt) : 'never'}</td>
                    <td className="hide-narrow">{k.revokedAt ? <span className="status-failed">revoked</span> : k.expiresAt ? formatInZone(k.expiresAt) : 'never'}</td>
                    <td>
                      {!k.revokedAt && (
                        <div className="row-actions">
                          <button type="button" onClick={() => onRotate(k.id, k.name)} disabled={self} title={self ? 'Sign in with another key to rotate this one' : undefined}>
                            Rotate
                          </button>
                          <button type="button" className="danger" onClick={() => onRevoke(k.id, k.name)} disabled={self} title={self ? 'You are signed in with this key' : undefined}>
                            Revoke
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
