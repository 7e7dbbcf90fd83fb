import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql';
import type { IntegrationKind } from '../graphql/graphql.ts';
import { Empty, ErrorState, Loading, errorMessage, payloadProblem } from '../components/states.tsx';
import { formatInZone } from '../lib/format.ts';

const IntegrationsDocument = graphql(`
  query Integrations {
    integrations(first: 100) {
      totalCount
      edges {
        node {
          id
          kind
          name
          config
          enabled
          hasCredentials
          updatedAt
        }
      }
    }
  }
`);

const CreateIntegrationDocument = graphql(`
  mutation CreateIntegration($input: CreateIntegrationInput!) {
    createIntegration(input: $input) {
      __typename
      ... on IntegrationPayload {
        integration {
          id
          kind
          name
          config
          enabled
          hasCredentials
          updatedAt
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

const UpdateIntegrationDocument = graphql(`
  mutation UpdateIntegration($id: ID!, $input: UpdateIntegrationInput!) {
    updateIntegration(id: $id, input: $input) {
      __typename
      ... on IntegrationPayload {
        integration {
          id
          config
          enabled
          hasCredentials
          updatedAt
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

const DeleteIntegrationDocument = graphql(`
  mutation DeleteIntegration($id: ID!) {
    deleteIntegration(id: $id) {
      __typename
      ... on DeleteIntegrationPayload {
        deletedIntegrationId
      }
      ... on Error {
        message
      }
    }
  }
`);

const KINDS: IntegrationKind[] = ['CGB_WHATSAPP', 'META_ADS', 'PANCAKE_POS', 'SUPABASE_STORAGE'];


function parseJsonObject(text: string, field: string): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; message: string } {
  if (!text.trim()) return { ok: true, value: undefined };
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, message: `${field} must be a JSON object` };
    return { ok: true, value: v as Record<string, unknown> };
  } catch (err) {
    return { ok: false, message: `${field}: ${(err as Error).message}` };
  }
}

export function IntegrationsPage() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: IntegrationsDocument });
  const [, create] = useMutation(CreateIntegrationDocument);
  const [, update] = useMutation(UpdateIntegrationDocument);
  const [, remove] = useMutation(DeleteIntegrationDocument);
  const [kind, setKind] = useState<IntegrationKind>('CGB_WHATSAPP');
  const [name, setName] = useState('');
  const [config, setConfig] = useState('');
  const [credentials, setCredentials] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    const c = parseJsonObject(config, 'Config');
    const s = parseJsonObject(credentials, 'Credentials');
    if (!c.ok) return setProblem(c.message);
    if (!s.ok) return setProblem(s.message);
    const res = await create({ input: { kind, name: name.trim(), config: c.value, credentials: s.value } });
    const msg = res.error ? errorMessage(res.error) : payloadProblem(res.data?.createIntegration, 'IntegrationPayload');
    if (msg) return setProblem(msg);
    setName('');
    setConfig('');
    setCredentials(''); // write-only: never kept in the page once sent
    setNotice('Integration created. Its credentials are stored encrypted and will not be shown again.');
  }

  async function onReplaceCredentials(id: string, label: string) {
    const text = window.prompt(`New credentials for ${label} (JSON object). They replace the stored ones and are never shown again.`);
    if (text === null) return;
    const s = parseJsonObject(text, 'Credentials');
    if (!s.ok || !s.value) return setProblem(s.ok ? 'Credentials must not be empty' : s.message);
    const res = await update({ id, input: { credentials: s.value } });
    const msg = res.error ? errorMessage(res.error) : payloadProblem(res.data?.updateIntegration, 'IntegrationPayload');
    setProblem(msg);
    if (!msg) setNotice(`Credentials of ${label} replaced.`);
  }

  async function onToggle(id: string, enabled: boolean) {
    const res = await update({ id, input: { enabled } });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.updateIntegration, 'IntegrationPayload'));
  }

  async function onDelete(id: string, label: string) {
    if (!window.confirm(`Delete ${label}? Workflows using it will fail until another is set up.`)) return;
    const res = await remove({ id });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.deleteIntegration, 'DeleteIntegrationPayload'));
  }

  return (
    <section aria-labelledby="integrations-title">
      <div className="page-head">
        <h1 id="integrations-title">Integrations</h1>
        {data && <span className="muted">{data.integrations.totalCount} configured</span>}
      </div>
      <form className="card" onSubmit={onCreate} aria-label="Add an integration">
        <div className="toolbar">
          <div className="field">
            <label htmlFor="int-kind">Kind</label>
            <select id="int-kind" value={kind} onChange={(e) => setKind(e.target.value as IntegrationKind)}>
              {KINDS.map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="int-name">Name</label>
            <input id="int-name" value={name} onChange={(e) => setName(e.target.value)} required />
          </div>
        </div>
        <div className="cols">
          <div className="field">
            <label htmlFor="int-config">Config (JSON, not secret)</label>
            <textarea id="int-config" value={config} onChange={(e) => setConfig(e.target.value)} style={{ minHeight: '5rem' }} placeholder='{"templates": {"visa_status": "flow_123"}}' />
          </div>
          <div className="field">
            <label htmlFor="int-credentials">Credentials (JSON, write-only)</label>
            <textarea id="int-credentials" value={credentials} onChange={(e) => setCredentials(e.target.value)} style={{ minHeight: '5rem' }} placeholder='{"apiKey": "…"}' autoComplete="off" />
          </div>
        </div>
        <button type="submit" className="primary" disabled={!name.trim()}>
          Add integration
        </button>
      </form>
      {notice && (
        <p className="ok-text" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {error && !data ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: 'network-only' })} />
      ) : fetching && !data ? (
        <Loading />
      ) : !data?.integrations.edges.length ? (
        <Empty>No integrations yet. Without one, connectors use the built-in simulators (development) or fail (production).</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Config
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.integrations.edges.map(({ node: i }) => (
                <tr key={i.id}>
                  <td>
                    {i.name}
                    <div className="muted">updated {formatInZone(i.updatedAt)}</div>
                  </td>
                  <td>{i.kind}</td>
                  <td>
                    {i.enabled ? 'Enabled' : 'Disabled'} · {i.hasCredentials ? 'credentials stored' : <span className="status-cancelled">no credentials</span>}
                  </td>
                  <td className="hide-narrow">
                    <code>{JSON.stringify(i.config)}</code>
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" onClick={() => onReplaceCredentials(i.id, i.name)}>
                        Rotate credentials
                      </button>
                      <button type="button" onClick={() => onToggle(i.id, !i.enabled)}>
                        {i.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" className="danger" onClick={() => onDelete(i.id, i.name)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
