import { useEffect, useState } from 'preact/hooks';
import { api, queryString } from '../api.js';
import { ErrorNote, useLoad } from '../components/common.js';
import { formatTime, fromLocalInput, toLocalInput } from '../format.js';
import { href, navigate } from '../router.js';
import type { Delivery, DeliveryStatus, Endpoint, EventTypeInfo, Page } from '../wire.js';

/** How each delivery status reads (typed by the shared vocabulary: a new status fails the build). */
export const STATUS_LABELS: { readonly [S in DeliveryStatus]: string } = {
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const FILTERS = ['endpoint_id', 'status', 'event_type', 'since', 'until'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** A delivery's status as a badge. */
export function statusBadge(status: DeliveryStatus) {
  const tone = status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : 'neutral';
  return <span class={`badge ${tone}`}>{STATUS_LABELS[status]}</span>;
}

/** The delivery log, filtered by the route's query, a page at a time. */
export function DeliveriesPage({ query }: { query: URLSearchParams }) {
  const filters: Filters = Object.fromEntries(
    FILTERS.flatMap((name) => {
      const value = query.get(name);
      return value ? [[name, value]] : [];
    }),
  );
  const key = JSON.stringify(filters);
  const endpoints = useLoad(() => api.all<Endpoint>('/endpoints'), []);
  const catalogue = useLoad(() => api.get<{ data: EventTypeInfo[] }>('/event-types'), []);
  const [rows, setRows] = useState<Delivery[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const load = (after: string | null, reset: boolean) => {
    setLoading(true);
    api
      .get<Page<Delivery>>(
        `/deliveries${queryString({ ...filters, limit: '50', cursor: after ?? undefined })}`,
      )
      .then((page) => {
        setRows((previous) => (reset ? page.data : [...previous, ...page.data]));
        setCursor(page.next_cursor);
        setError(undefined);
      }, setError)
      .finally(() => {
        setLoading(false);
      });
  };
  useEffect(() => {
    load(null, true);
    // Reload when the filters change.
  }, [key]);
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => {
    setDraft(filters);
  }, [key]);
  const set = (name: keyof Filters, value: string) => {
    setDraft((previous) => ({ ...previous, [name]: value }));
  };
  const endpointUrl = new Map((endpoints.data ?? []).map((ep) => [ep.id, ep.url]));
  const endpointChoices = [...endpointUrl];
  const typeChoices = (catalogue.data?.data ?? []).map(
    (info) => [info.event_type, info.event_type] as const,
  );
  return (
    <>
      <h1>Delivery log</h1>
      <form
        class="card filters"
        aria-label="Filter deliveries"
        onSubmit={(event) => {
          event.preventDefault();
          navigate('/deliveries', draft);
        }}
      >
        {(
          [
            ['endpoint_id', 'filter-endpoint', 'Endpoint', 'All endpoints', endpointChoices],
            ['status', 'filter-status', 'Status', 'Any status', Object.entries(STATUS_LABELS)],
            ['event_type', 'filter-type', 'Event type', 'Any type', typeChoices],
          ] as const
        ).map(([name, id, label, any, options]) => (
          <FilterSelect
            key={name}
            id={id}
            label={label}
            any={any}
            value={draft[name] ?? ''}
            onValue={(value) => {
              set(name, value);
            }}
            options={options}
          />
        ))}
        {(
          [
            ['since', 'From'],
            ['until', 'Until'],
          ] as const
        ).map(([name, label]) => (
          <div key={name}>
            <label for={`filter-${name}`}>{label}</label>
            <input
              id={`filter-${name}`}
              type="datetime-local"
              value={toLocalInput(draft[name])}
              onInput={(event) => {
                set(name, fromLocalInput(event.currentTarget.value) ?? '');
              }}
            />
          </div>
        ))}
        <div class="actions">
          <button type="submit" class="primary">
            Apply filters
          </button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              load(null, true);
            }}
          >
            Refresh
          </button>
          <button
            type="button"
            class="secondary"
            disabled={key === '{}'}
            onClick={() => {
              navigate('/deliveries');
            }}
          >
            Clear filters
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {!loading && rows.length === 0 && !error && (
        <p class="empty">No deliveries match these filters.</p>
      )}
      {rows.length > 0 && (
        <table>
          <caption class="visually-hidden">Deliveries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Created</th>
              <th scope="col">Event type</th>
              <th scope="col">Endpoint</th>
              <th scope="col">Status</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last response</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <a href={href(`/deliveries/${delivery.id}`)}>{formatTime(delivery.created_at)}</a>
                </td>
                <td>
                  <code>{delivery.event_type}</code>
                </td>
                <td class="wrap">
                  {endpointUrl.get(delivery.endpoint_id) ?? delivery.endpoint_id}
                </td>
                <td>{statusBadge(delivery.status)}</td>
                <td>{delivery.attempt_count}</td>
                <td>
                  {delivery.last_status_code ?? ''} {delivery.last_error ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div aria-live="polite">{loading && <p>Loading…</p>}</div>
      {cursor !== null && !loading && (
        <button
          type="button"
          class="secondary"
          onClick={() => {
            load(cursor, false);
          }}
        >
          Load more
        </button>
      )}
    </>
  );
}

/** A link back to the log of one endpoint. */
export function logOf(endpointId: string): string {
  return href('/deliveries', { endpoint_id: endpointId });
}

/** One filter: a labelled choice among `options` ([value, text] pairs), or `any` of them. */
function FilterSelect(props: {
  id: string;
  label: string;
  any: string;
  value: string;
  onValue: (value: string) => void;
  options: readonly (readonly [string, string])[];
}) {
  return (
    <div>
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(event) => {
          props.onValue(event.currentTarget.value);
        }}
      >
        <option value="">{props.any}</option>
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}
