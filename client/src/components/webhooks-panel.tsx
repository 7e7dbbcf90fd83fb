// The "Webhooks" panel of a workflow: its inbound webhook URLs, with create (the signing secret is
// shown once, with a copy button), rotate (a new secret; the old one keeps working for 24 h),
// enable/disable and delete for admins. Everyone else sees the URLs only.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql';
import { ErrorState, Loading, errorMessage, payloadProblem } from './states.tsx';
import { formatInZone } from '../lib/format.ts';

const WebhookTriggersDocument = graphql(`
  query WebhookTriggers($id: ID!) {
    workflow(id: $id) {
      id
      webhookTriggers {
        id
        name
        path
        enabled
        rateLimitPerMinute
        idempotencyKeyHeader
        idempotencyKeyPath
        previousSecretExpiresAt
        createdAt
      }
    }
  }
`);

const CreateWebhookTriggerDocument = graphql(`
  mutation CreateWebhookTrigger($input: CreateWebhookTriggerInput!) {
    createWebhookTrigger(input: $input) {
      __typename
      ... on CreateWebhookTriggerPayload {
        signingSecret
        webhookTrigger {
          id
          name
          path
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

const UpdateWebhookTriggerDocument = graphql(`
  mutation UpdateWebhookTrigger($id: ID!, $input: UpdateWebhookTriggerInput!) {
    updateWebhookTrigger(id: $id, input: $input) {
      __typename
      ... on WebhookTriggerPayload {
        webhookTrigger {
          id
          enabled
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const RotateWebhookTriggerSecretDocument = graphql(`
  mutation RotateWebhookTriggerSecret($id: ID!) {
    rotateWebhookTriggerSecret(id: $id) {
      __typename
      ... on RotateWebhookTriggerSecretPayload {
        signingSecret
        webhookTrigger {
          id
          name
          previousSecretExpiresAt
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const DeleteWebhookTriggerDocument = graphql(`
  mutation DeleteWebhookTrigger($id: ID!) {
    deleteWebhookTrigger(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

const urlOf = (path: string) => `${window.location.origin}${path}`;

export function WebhooksPanel({ workflowId, canEdit }: { workflowId: string; canEdit: boolean }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: WebhookTriggersDocument, variables: { id: workflowId } });
  const [, create] = useMutation(CreateWebhookTriggerDocument);
  const [, update] = useMutation(UpdateWebhookTriggerDocument);
  const [, rotate] = useMutation(RotateWebhookTriggerSecretDocument);
  const [, remove] = useMutation(DeleteWebhookTriggerDocument);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState<{ name: string; url: string; value: string; rotated: boolean } | null>(null);
  const [copied, setCopied] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    const res = await create({ input: { workflowId, name: name.trim() } });
    const r = res.data?.createWebhookTrigger;
    const msg = res.error ? errorMessage(res.error) : payloadProblem(r, 'CreateWebhookTriggerPayload');
    if (msg) return setProblem(msg);
    if (r?.__typename === 'CreateWebhookTriggerPayload') setSecret({ name: r.webhookTrigger.name, url: urlOf(r.webhookTrigger.path), value: r.signingSecret, rotated: false });
    setCopied(false);
    setName('');
    reload();
  }

  async function onRotate(id: string, hook: string) {
    if (!window.confirm(`Issue a new signing secret for ${hook}? The current one keeps working for 24 hours.`)) return;
    const res = await rotate({ id });
    const r = res.data?.rotateWebhookTriggerSecret;
    const msg = res.error ? errorMessage(res.error) : payloadProblem(r, 'RotateWebhookTriggerSecretPayload');
    if (msg) return setProblem(msg);
    if (r?.__typename === 'RotateWebhookTriggerSecretPayload') setSecret({ name: r.webhookTrigger.name, url: '', value: r.signingSecret, rotated: true });
    setCopied(false);
    reload();
  }

  async function onToggle(id: string, enabled: boolean) {
    const res = await update({ id, input: { enabled } });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.updateWebhookTrigger, 'WebhookTriggerPayload'));
  }

  async function onDelete(id: string, hook: string) {
    if (!window.confirm(`Delete ${hook}? Its URL stops accepting deliveries at once.`)) return;
    const res = await remove({ id });
    const msg = res.error ? errorMessage(res.error) : payloadProblem(res.data?.deleteWebhookTrigger, 'DeleteWebhookTriggerPayload');
    setProblem(msg);
    if (!msg) reload();
  }

  async function copy(value: string) {
    await navigator.clipboard?.writeText(value).catch(() => {});
    setCopied(true);
  }

  const hooks = data?.workflow?.webhookTriggers ?? [];
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="muted">
        A signed <code>POST</code> of a JSON object to a webhook URL starts a run with the object as its input. Sign with <code>x-flowdeck-timestamp</code> (unix seconds) and{' '}
        <code>x-flowdeck-signature: sha256=</code>HMAC-SHA256 of <code>{'<timestamp>.<body>'}</code>.
      </p>
      {secret && (
        <div role="alert" className="webhook-secret">
          <p>
            <strong>
              {secret.rotated ? 'New signing secret' : 'Signing secret'} for “{secret.name}”.
            </strong>{' '}
            Copy it now: it is shown only this once.{secret.rotated && ' The previous secret keeps working for 24 hours.'}
          </p>
          {secret.url && (
            <p>
              URL: <code data-testid="webhook-url">{secret.url}</code>
            </p>
          )}
          <p className="secret" data-testid="webhook-secret">
            {secret.value}
          </p>
          <div className="row-actions">
            <button type="button" onClick={() => copy(secret.value)}>
              {copied ? 'Copied' : 'Copy secret'}
            </button>
            <button type="button" onClick={() => setSecret(null)}>
              I have stored it
            </button>
          </div>
        </div>
      )}
      {problem && (
        <p className="field-error" role="alert">
          {problem}
        </p>
      )}
      {error && !data ? (
        <ErrorState error={error} retry={reload} />
      ) : fetching && !data ? (
        <Loading />
      ) : hooks.length === 0 ? (
        <p className="muted">No webhooks: this workflow starts only from its schedule, events, the dashboard or the API.</p>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Webhook</th>
                <th scope="col">URL</th>
                <th scope="col">Status</th>
                {canEdit && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {hooks.map((h) => (
                <tr key={h.id} data-webhook={h.name}>
                  <td>
                    {h.name}
                    <div className="muted">
                      {h.rateLimitPerMinute ? `${h.rateLimitPerMinute}/min` : 'no rate limit'}
                      {h.idempotencyKeyHeader && ` · key: header ${h.idempotencyKeyHeader}`}
                      {h.idempotencyKeyPath && ` · key: ${h.idempotencyKeyPath}`}
                    </div>
                  </td>
                  <td>
                    <code className="webhook-url">{urlOf(h.path)}</code>
                    {h.previousSecretExpiresAt && <div className="muted">previous secret valid until {formatInZone(h.previousSecretExpiresAt)}</div>}
                  </td>
                  <td>{h.enabled ? 'Enabled' : 'Disabled'}</td>
                  {canEdit && (
                    <td>
                      <div className="row-actions">
                        <button type="button" onClick={() => onToggle(h.id, !h.enabled)} aria-label={`${h.enabled ? 'Disable' : 'Enable'} ${h.name}`}>
                          {h.enabled ? 'Disable' : 'Enable'}
                        </button>
                        <button type="button" onClick={() => onRotate(h.id, h.name)} aria-label={`Rotate the secret of ${h.name}`}>
                          Rotate secret
                        </button>
                        <button type="button" className="danger" onClick={() => onDelete(h.id, h.name)} aria-label={`Delete ${h.name}`}>
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canEdit ? (
        <form className="toolbar" onSubmit={onCreate} aria-label="Add a webhook">
          <div className="field">
            <label htmlFor="webhook-name">New webhook name</label>
            <input id="webhook-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Embassy portal" required />
          </div>
          <button type="submit" className="primary" disabled={!name.trim()}>
            Add webhook
          </button>
        </form>
      ) : (
        <p className="muted">Only admins can add or change webhooks.</p>
      )}
    </section>
  );
}
