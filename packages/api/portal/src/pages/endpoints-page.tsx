import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CopyButton, ErrorNote, Section, TextField, useLoad } from '../components/common.js';
import { EventTypePicker } from '../components/event-type-picker.js';
import { formatTime } from '../format.js';
import { href } from '../router.js';
import type { Endpoint, EndpointHealth, EndpointWithSecret, EventTypeInfo } from '../wire.js';

interface Row {
  readonly endpoint: Endpoint;
  readonly health: EndpointHealth | undefined;
}

/** Endpoints with their health, and a link to add one. */
export function EndpointsPage() {
  const rows = useLoad(async () => {
    const endpoints = await api.all<Endpoint>('/endpoints');
    return Promise.all(
      endpoints.map(async (endpoint): Promise<Row> => ({
        endpoint,
        health: await api
          .get<EndpointHealth>(`/endpoints/${encodeURIComponent(endpoint.id)}/health`)
          .catch(() => undefined),
      })),
    );
  }, []);
  return (
    <>
      <div class="page-head">
        <h1>Endpoints</h1>
        <a class="button primary" href={href('/endpoints/new')}>
          Add endpoint
        </a>
      </div>
      <ErrorNote error={rows.error} />
      {rows.loading && !rows.data && <p aria-live="polite">Loading…</p>}
      {rows.data?.length === 0 && (
        <p class="empty">No endpoints yet. Add one to start receiving webhooks.</p>
      )}
      {rows.data && rows.data.length > 0 && (
        <table>
          <caption class="visually-hidden">Endpoints and their health</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Event types</th>
              <th scope="col">Status</th>
              <th scope="col">Last success</th>
              <th scope="col">Consecutive failures</th>
            </tr>
          </thead>
          <tbody>
            {rows.data.map(({ endpoint, health }) => (
              <tr key={endpoint.id}>
                <td>
                  <a href={href(`/endpoints/${endpoint.id}`)}>{endpoint.url}</a>
                  {endpoint.description && <div class="muted">{endpoint.description}</div>}
                </td>
                <td>{endpoint.event_types.join(', ')}</td>
                <td>
                  {endpoint.enabled ? (
                    <span class="badge ok">Enabled</span>
                  ) : (
                    <span class="badge bad">Disabled</span>
                  )}
                  {endpoint.disabled_reason && <div class="muted">{endpoint.disabled_reason}</div>}
                </td>
                <td>{formatTime(health?.last_success_at)}</td>
                <td class={health && health.consecutive_failures > 0 ? 'bad-text' : ''}>
                  {health?.consecutive_failures ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The form that registers an endpoint; shows its secret once. */
export function NewEndpointPage({ agentId }: { agentId: string | null }) {
  const catalogue = useLoad(() => api.get<{ data: EventTypeInfo[] }>('/event-types'), []);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [agent, setAgent] = useState(agentId ?? '');
  const [types, setTypes] = useState<string[]>(['*']);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<EndpointWithSecret>();
  if (created) {
    return (
      <>
        <h1>Endpoint added</h1>
        <Section title="Signing secret">
          <p>
            Verify every webhook with this secret. It is shown in full now; you can reveal it again
            on the endpoint's page.
          </p>
          <p>
            <code class="secret">{created.secret}</code>{' '}
            <CopyButton text={created.secret} label="Copy secret" />
          </p>
          <a class="button primary" href={href(`/endpoints/${created.id}`)}>
            Go to the endpoint
          </a>
        </Section>
      </>
    );
  }
  return (
    <>
      <h1>Add endpoint</h1>
      <form
        class="card"
        onSubmit={(event) => {
          event.preventDefault();
          setError(undefined);
          api
            .post<EndpointWithSecret>('/endpoints', {
              url,
              event_types: types,
              ...(description ? { description } : {}),
              ...(agent ? { agent_id: agent } : {}),
            })
            .then(setCreated, setError);
        }}
      >
        <TextField
          id="endpoint-url"
          label="Endpoint URL"
          type="url"
          required
          placeholder="https://example.com/webhooks"
          value={url}
          onValue={setUrl}
        />
        <TextField
          id="endpoint-description"
          label="Description (optional)"
          type="text"
          value={description}
          onValue={setDescription}
        />
        <TextField
          id="endpoint-agent"
          label="Agent id (optional: empty means every agent)"
          type="text"
          value={agent}
          readOnly={agentId !== null}
          onValue={setAgent}
        />
        <ErrorNote error={catalogue.error} />
        {catalogue.data && (
          <EventTypePicker catalogue={catalogue.data.data} selected={types} onChange={setTypes} />
        )}
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={types.length === 0}>
            Add endpoint
          </button>
          <a class="button secondary" href={href('/endpoints')}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}
