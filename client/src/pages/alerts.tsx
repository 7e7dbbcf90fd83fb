// Alert destinations (admins): webhooks that hear about failed runs, missed slots, late starts
// and failed maintenance, with the last deliveries of each. The signing secret is shown once,
// in the answer to the create; the API has no way to show it again.
import { useState, type FormEvent } from 'react';
import { useMutation, useQuery } from 'urql';
import { graphql } from '../graphql';
import type { AlertEvent } from '../graphql/graphql.ts';
import { Empty, ErrorState, Loading, errorMessage, payloadProblem } from '../components/states.tsx';
import { formatInZone } from '../lib/format.ts';

const EVENTS: { event: AlertEvent; label: string }[] = [
  { event: 'RUN_FAILED', label: 'Run failed' },
  { event: 'SLOT_MISSED', label: 'Slot missed' },
  { event: 'DRIFT_EXCEEDED', label: 'Started late' },
  { event: 'MAINTENANCE_FAILED', label: 'Maintenance failed' },
];

// 25 destinations with their last 3 deliveries stays inside the API's query cost limit; a tenant
// has a handful.
const AlertDestinationsDocument = graphql(`
  query AlertDestinations {
    alertDestinations(first: 25) {
      totalCount
      edges {
        node {
          id
          name
          url
          events
          enabled
          createdAt
          deliveries(first: 3) {
            totalCount
            edges {
              node {
                id
                event
                status
                attempts
                lastStatus
                lastError
                createdAt
              }
            }
          }
        }
      }
    }
  }
`);

const CreateAlertDestinationDocument = graphql(`
  mutation CreateAlertDestination($input: CreateAlertDestinationInput!) {
    createAlertDestination(input: $input) {
      __typename
      ... on CreateAlertDestinationPayload {
        signingSecret
        alertDestination {
          id
          name
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

const UpdateAlertDestinationDocument = graphql(`
  mutation UpdateAlertDestination($id: ID!, $input: UpdateAlertDestinationInput!) {
    updateAlertDestination(id: $id, input: $input) {
      __typename
      ... on AlertDestinationPayload {
        alertDestination {
          id
          enabled
          events
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const DeleteAlertDestinationDocument = graphql(`
  mutation DeleteAlertDestination($id: ID!) {
    deleteAlertDestination(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

const label = (event: string) => EVENTS.find((e) => e.event === event)?.label ?? event;

export function AlertsPage() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: AlertDestinationsDocument });
  const [, create] = useMutation(CreateAlertDestinationDocument);
  const [, update] = useMutation(UpdateAlertDestinationDocument);
  const [, remove] = useMutation(DeleteAlertDestinationDocument);
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<AlertEvent[]>(['RUN_FAILED', 'SLOT_MISSED']);
  const [secret, setSecret] = useState<{ name: string; value: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function onCreate(e: FormEvent) {
    e.preventDefault();
    setProblem(null);
    const res = await create({ input: { name: name.trim(), url: url.trim(), events } });
    const r = res.data?.createAlertDestination;
    const msg = res.error ? errorMessage(res.error) : payloadProblem(r, 'CreateAlertDestinationPayload');
    if (msg) return setProblem(msg);
    if (r?.__typename === 'CreateAlertDestinationPayload') setSecret({ name: r.alertDestination.name, value: r.signingSecret });
    setName('');
    setUrl('');
  }

  async function onToggle(id: string, enabled: boolean) {
    const res = await update({ id, input: { enabled } });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.updateAlertDestination, 'AlertDestinationPayload'));
  }

  async function onDelete(id: string, destination: string) {
    if (!window.confirm(`Delete ${destination}? Its delivery history goes with it, and its signing secret stops being used.`)) return;
    const res = await remove({ id });
    setProblem(res.error ? errorMessage(res.error) : payloadProblem(res.data?.deleteAlertDestination, 'DeleteAlertDestinationPayload'));
  }

  return (
    <section aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Alerts</h1>
        {data && <span className="muted">{data.alertDestinations.totalCount} destinations</span>}
      </div>
      <form className="card" onSubmit={onCreate} aria-label="Add an alert destination">
        <div className="toolbar">
          <div className="field">
            <label htmlFor="alert-name">Name</label>
            <input id="alert-name" value={name} onChange={(e) => setName(e.target.value)} required />
          </div>
          <div className="field">
            <label htmlFor="alert-url">Webhook URL</label>
            <input id="alert-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.example.com/flowdeck" required />
          </div>
        </div>
        <fieldset className="levels">
          <legend>Send</legend>
          {EVENTS.map(({ event, label: text }) => (
            <label key={event}>
              <input
                type="checkbox"
                checked={events.includes(event)}
                onChange={(e) => setEvents(e.target.checked ? [...events, event] : events.filter((x) => x !== event))}
              />{' '}
              {text}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={!name.trim() || !url.trim() || events.length === 0}>
          Add destination
        </button>
      </form>
      {secret && (
        <div className="card" role="alert">
          <p>
            <strong>Signing secret for “{secret.name}”.</strong> Copy it now: it is shown only this once. Each webhook carries{' '}
            <code>x-flowdeck-signature: sha256=</code>HMAC-SHA256 of <code>{'<x-flowdeck-timestamp>.<body>'}</code> under it.
          </p>
          <p className="secret" data-testid="signing-secret">
            {secret.value}
          </p>
          <button type="button" onClick={() => setSecret(null)}>
            I have stored it
          </button>
        </div>
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
      ) : !data?.alertDestinations.edges.length ? (
        <Empty>No alert destinations yet: failures show only in the dashboard and the logs.</Empty>
      ) : (
        <div className="table-wrap">
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Destination</th>
                <th scope="col">Sends</th>
                <th scope="col">Status</th>
                <th scope="col" className="hide-narrow">
                  Last deliveries
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.alertDestinations.edges.map(({ node: d }) => (
                <tr key={d.id} data-destination={d.name}>
                  <td>
                    {d.name}
                    <div className="muted">
                      <code>{d.url}</code>
                    </div>
                  </td>
                  <td>{d.events.map(label).join(', ')}</td>
                  <td>{d.enabled ? 'Enabled' : 'Disabled'}</td>
                  <td className="hide-narrow">
                    {d.deliveries.edges.length === 0 ? (
                      <span className="muted">none yet</span>
                    ) : (
                      <ul className="plain">
                        {d.deliveries.edges.map(({ node: x }) => (
                          <li key={x.id}>
                            <span className={`badge status-${x.status === 'DELIVERED' ? 'completed' : x.status === 'FAILED' ? 'failed' : 'pending'}`}>{x.status}</span> {label(x.event)} ·{' '}
                            {formatInZone(x.createdAt)}
                            {x.attempts > 1 && ` · ${x.attempts} attempts`}
                            {x.status !== 'DELIVERED' && (x.lastError || x.lastStatus) && <div className="muted">{x.lastError ?? `HTTP ${x.lastStatus}`}</div>}
                          </li>
                        ))}
                        {d.deliveries.totalCount > d.deliveries.edges.length && <li className="muted">and {d.deliveries.totalCount - d.deliveries.edges.length} earlier</li>}
                      </ul>
                    )}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" onClick={() => onToggle(d.id, !d.enabled)} aria-label={`${d.enabled ? 'Disable' : 'Enable'} ${d.name}`}>
                        {d.enabled ? 'Disable' : 'Enable'}
                      </button>
                      <button type="button" className="danger" onClick={() => onDelete(d.id, d.name)}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.alertDestinations.totalCount > data.alertDestinations.edges.length && (
            <p className="muted">Showing the first {data.alertDestinations.edges.length} of {data.alertDestinations.totalCount}.</p>
          )}
        </div>
      )}
    </section>
  );
}
