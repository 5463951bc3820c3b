import { useState } from 'preact/hooks';
import { api } from '../api.js';
import {
  CopyButton,
  ErrorNote,
  Section,
  TextField,
  Verbatim,
  useLoad,
} from '../components/common.js';
import { EventTypePicker } from '../components/event-type-picker.js';
import { StatsChart } from '../components/stats-chart.js';
import { formatMs, formatTime, fromLocalInput, toLocalInput } from '../format.js';
import { href, navigate } from '../router.js';
import type {
  Endpoint,
  EndpointHealth,
  EventTypeInfo,
  RotatedSecret,
  TestEventResult,
} from '../wire.js';

const OVERLAPS: readonly [label: string, ms: number][] = [
  ['Revoke the old secret at once', 0],
  ['Keep the old one valid for 1 hour', 3_600_000],
  ['Keep the old one valid for 24 hours', 86_400_000],
];

/** One endpoint: health, chart, test event, settings, secret, recovery, deletion. */
export function EndpointPage({ id }: { id: string }) {
  const path = `/endpoints/${encodeURIComponent(id)}`;
  const endpoint = useLoad(() => api.get<Endpoint>(path), [id]);
  const health = useLoad(() => api.get<EndpointHealth>(`${path}/health`), [id]);
  const catalogue = useLoad(() => api.get<{ data: EventTypeInfo[] }>('/event-types'), []);
  // Bumped after each test event, so the chart and health show it.
  const [version, setVersion] = useState(0);
  if (endpoint.error) {
    return (
      <>
        <h1>Endpoint</h1>
        <ErrorNote error={endpoint.error} />
        <a href={href('/endpoints')}>Back to endpoints</a>
      </>
    );
  }
  const ep = endpoint.data;
  if (!ep) return <p aria-live="polite">Loading…</p>;
  const refresh = () => {
    endpoint.reload();
    health.reload();
  };
  const types = catalogue.data?.data ?? [];
  return (
    <>
      <div class="page-head">
        <h1 class="wrap">{ep.url}</h1>
        <a class="button secondary" href={href('/deliveries', { endpoint_id: ep.id })}>
          Delivery log
        </a>
      </div>
      <p class="muted">
        <code>{ep.id}</code> · {ep.agent_id ? `agent ${ep.agent_id}` : 'every agent'} ·{' '}
        {ep.event_types.join(', ')}
      </p>
      <HealthSection endpoint={ep} health={health.data} onChange={refresh} />
      <Section title="Attempts">
        <StatsChart endpointId={ep.id} version={version} />
      </Section>
      <TestSection
        endpoint={ep}
        catalogue={types}
        onSent={() => {
          setVersion((value) => value + 1);
          health.reload();
        }}
      />
      <EditSection endpoint={ep} catalogue={types} onSaved={refresh} />
      <SecretSection endpoint={ep} />
      <RecoverSection endpoint={ep} />
      <DeleteSection endpoint={ep} />
    </>
  );
}

function HealthSection({
  endpoint,
  health,
  onChange,
}: {
  endpoint: Endpoint;
  health: EndpointHealth | undefined;
  onChange: () => void;
}) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const path = `/endpoints/${encodeURIComponent(endpoint.id)}`;
  return (
    <Section title="Health">
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          {endpoint.enabled ? (
            <span class="badge ok">Enabled</span>
          ) : (
            <span class="badge bad">Disabled</span>
          )}
          {endpoint.disabled_reason && ` — ${endpoint.disabled_reason}`}
        </dd>
        <dt>Last success</dt>
        <dd>{formatTime(health?.last_success_at)}</dd>
        <dt>Consecutive failures</dt>
        <dd>{health?.consecutive_failures ?? '—'}</dd>
        <dt>Failing since</dt>
        <dd>{formatTime(health?.failing_since)}</dd>
      </dl>
      <ErrorNote error={error} />
      {endpoint.enabled ? (
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            api.post(`${path}/disable`, reason ? { reason } : {}).then(onChange, setError);
          }}
        >
          <TextField
            id="disable-reason"
            label="Reason (optional)"
            type="text"
            value={reason}
            onValue={setReason}
          />
          <button type="submit" class="secondary">
            Disable endpoint
          </button>
        </form>
      ) : (
        <button
          type="button"
          class="primary"
          onClick={() => {
            api.post(`${path}/enable`).then(onChange, setError);
          }}
        >
          Enable endpoint
        </button>
      )}
    </Section>
  );
}

function TestSection({
  endpoint,
  catalogue,
  onSent,
}: {
  endpoint: Endpoint;
  catalogue: readonly EventTypeInfo[];
  onSent: () => void;
}) {
  const [type, setType] = useState('');
  const [sending, setSending] = useState(false);
  const [result, setResult] = useState<TestEventResult>();
  const [error, setError] = useState<unknown>();
  const chosen = type || catalogue[0]?.event_type || '';
  const attempt = result?.attempt;
  return (
    <Section title="Send a test event">
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setSending(true);
          setError(undefined);
          setResult(undefined);
          api
            .post<TestEventResult>(`/endpoints/${encodeURIComponent(endpoint.id)}/test`, {
              event_type: chosen,
            })
            .then((sent) => {
              setResult(sent);
              onSent();
            }, setError)
            .finally(() => {
              setSending(false);
            });
        }}
      >
        <label for="test-type">Event type to send</label>
        <select
          id="test-type"
          value={chosen}
          onChange={(event) => {
            setType(event.currentTarget.value);
          }}
        >
          {catalogue.map((info) => (
            <option key={info.event_type} value={info.event_type}>
              {info.event_type}
            </option>
          ))}
        </select>
        <button type="submit" class="primary" disabled={sending || chosen === ''}>
          {sending ? 'Sending…' : 'Send test event'}
        </button>
      </form>
      <ErrorNote error={error} />
      <div aria-live="polite" class="test-result">
        {result && !attempt && (
          <p>
            Queued; the first attempt has not been made yet.{' '}
            <a href={href(`/deliveries/${result.delivery_id}`)}>Follow the delivery</a>
          </p>
        )}
        {attempt && (
          <>
            <p>
              <span class={`badge ${attempt.outcome === 'succeeded' ? 'ok' : 'bad'}`}>
                {attempt.outcome === 'succeeded' ? 'Succeeded' : 'Failed'}
              </span>{' '}
              {attempt.status_code === null ? 'no response' : `HTTP ${attempt.status_code}`} in{' '}
              {formatMs(attempt.duration_ms)}
              {attempt.error_message && ` — ${attempt.error_message}`}{' '}
              <a href={href(`/deliveries/${result.delivery_id}`)}>View the delivery</a>
            </p>
            {attempt.response_excerpt !== null && (
              <Verbatim text={attempt.response_excerpt} label="Response excerpt" />
            )}
          </>
        )}
      </div>
    </Section>
  );
}

function EditSection({
  endpoint,
  catalogue,
  onSaved,
}: {
  endpoint: Endpoint;
  catalogue: readonly EventTypeInfo[];
  onSaved: () => void;
}) {
  const [url, setUrl] = useState(endpoint.url);
  const [description, setDescription] = useState(endpoint.description);
  const [types, setTypes] = useState<string[]>(endpoint.event_types);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  return (
    <Section title="Settings">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          setError(undefined);
          api
            .patch(`/endpoints/${encodeURIComponent(endpoint.id)}`, {
              url,
              description,
              event_types: types,
            })
            .then(() => {
              setSaved(true);
              onSaved();
            }, setError);
        }}
      >
        <TextField
          id="edit-url"
          label="Endpoint URL"
          type="url"
          required
          value={url}
          onValue={setUrl}
        />
        <TextField
          id="edit-description"
          label="Description"
          type="text"
          value={description}
          onValue={setDescription}
        />
        <EventTypePicker catalogue={catalogue} selected={types} onChange={setTypes} />
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={types.length === 0}>
            Save changes
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
    </Section>
  );
}

function SecretSection({ endpoint }: { endpoint: Endpoint }) {
  const path = `/endpoints/${encodeURIComponent(endpoint.id)}`;
  const [secret, setSecret] = useState<string>();
  const [rotated, setRotated] = useState<RotatedSecret>();
  const [overlap, setOverlap] = useState(86_400_000);
  const [error, setError] = useState<unknown>();
  const shown = rotated?.secret ?? secret;
  return (
    <Section title="Signing secret">
      {shown ? (
        <p>
          <code class="secret">{shown}</code> <CopyButton text={shown} label="Copy secret" />
        </p>
      ) : (
        <p>
          <code class="secret">whsec_••••••••••••••••</code>{' '}
          <button
            type="button"
            class="secondary"
            onClick={() => {
              api.get<{ secret: string }>(`${path}/reveal-secret`).then((r) => {
                setSecret(r.secret);
              }, setError);
            }}
          >
            Reveal secret
          </button>
        </p>
      )}
      {rotated && (
        <p role="status">
          New secret in use.{' '}
          {rotated.previous_valid_until
            ? `The previous one keeps signing too until ${formatTime(rotated.previous_valid_until)}.`
            : 'The previous one was revoked.'}
        </p>
      )}
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          api
            .post<RotatedSecret>(`${path}/rotate-secret`, { overlap_ms: overlap })
            .then(setRotated, setError);
        }}
      >
        <label for="rotate-overlap">When rotating</label>
        <select
          id="rotate-overlap"
          value={String(overlap)}
          onChange={(event) => {
            setOverlap(Number(event.currentTarget.value));
          }}
        >
          {OVERLAPS.map(([label, ms]) => (
            <option key={ms} value={String(ms)}>
              {label}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          Rotate secret
        </button>
      </form>
      <ErrorNote error={error} />
    </Section>
  );
}

function RecoverSection({ endpoint }: { endpoint: Endpoint }) {
  const [since, setSince] = useState(toLocalInput(new Date(Date.now() - 86_400_000).toISOString()));
  const [result, setResult] = useState<number>();
  const [error, setError] = useState<unknown>();
  return (
    <Section title="Recover failed deliveries">
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          setError(undefined);
          const iso = fromLocalInput(since);
          if (iso === undefined) return;
          api
            .post<{ enqueued: number }>(`/endpoints/${encodeURIComponent(endpoint.id)}/recover`, {
              since: iso,
            })
            .then((r) => {
              setResult(r.enqueued);
            }, setError);
        }}
      >
        <TextField
          id="recover-since"
          label="Failed since"
          type="datetime-local"
          required
          value={since}
          onValue={setSince}
        />
        <button type="submit" class="secondary">
          Send them again
        </button>
      </form>
      {result !== undefined && (
        <p role="status">
          {result} failed {result === 1 ? 'delivery was' : 'deliveries were'} queued again.
        </p>
      )}
      <ErrorNote error={error} />
    </Section>
  );
}

function DeleteSection({ endpoint }: { endpoint: Endpoint }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>();
  return (
    <Section title="Delete endpoint">
      <p>Pending deliveries are cancelled; the delivery log keeps its history.</p>
      {confirming ? (
        <div class="actions">
          <button
            type="button"
            class="danger"
            onClick={() => {
              api.delete(`/endpoints/${encodeURIComponent(endpoint.id)}`).then(() => {
                navigate('/endpoints');
              }, setError);
            }}
          >
            Yes, delete it
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setConfirming(false);
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          class="danger"
          onClick={() => {
            setConfirming(true);
          }}
        >
          Delete endpoint
        </button>
      )}
      <ErrorNote error={error} />
    </Section>
  );
}
