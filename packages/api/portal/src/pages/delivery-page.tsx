import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { CopyButton, ErrorNote, Section, Verbatim, useLoad } from '../components/common.js';
import { formatMs, formatTime, prettyJson } from '../format.js';
import { href } from '../router.js';
import { requestHeaders } from '../request-headers.js';
import type { Attempt, DeliveryDetail } from '../wire.js';
import { logOf, statusBadge } from './deliveries-page.js';

const TRIGGERS: Readonly<Record<Attempt['trigger'], string>> = {
  scheduled: 'scheduled',
  manual: 'resent',
  test: 'test',
};

function AttemptView({ delivery, attempt }: { delivery: DeliveryDetail; attempt: Attempt }) {
  const ok = attempt.outcome === 'succeeded';
  const headers = requestHeaders(delivery, attempt)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  return (
    <li class="attempt">
      <h3>
        Attempt {attempt.attempt_number}{' '}
        <span class={`badge ${ok ? 'ok' : 'bad'}`}>{ok ? 'Succeeded' : 'Failed'}</span>
      </h3>
      <dl class="facts">
        <dt>Started</dt>
        <dd>{formatTime(attempt.started_at)}</dd>
        <dt>Trigger</dt>
        <dd>{TRIGGERS[attempt.trigger]}</dd>
        <dt>Response status</dt>
        <dd>{attempt.status_code ?? 'no response'}</dd>
        <dt>Duration</dt>
        <dd>{formatMs(attempt.duration_ms)}</dd>
        {attempt.error_message !== null && (
          <>
            <dt>Error</dt>
            <dd class="bad-text">
              {attempt.error_kind ? `${attempt.error_kind}: ` : ''}
              {attempt.error_message}
            </dd>
          </>
        )}
      </dl>
      <details>
        <summary>Request headers</summary>
        <Verbatim text={headers} label={`Request headers of attempt ${attempt.attempt_number}`} />
      </details>
      <h4>Response{attempt.response_truncated ? ' (excerpt, truncated)' : ''}</h4>
      {attempt.response_excerpt === null || attempt.response_excerpt === '' ? (
        <p class="muted">No response body.</p>
      ) : (
        <Verbatim
          text={attempt.response_excerpt}
          label={`Response body of attempt ${attempt.attempt_number}`}
        />
      )}
    </li>
  );
}

/** One delivery: its body, every attempt, and resend. */
export function DeliveryPage({ id }: { id: string }) {
  const delivery = useLoad(
    () => api.get<DeliveryDetail>(`/deliveries/${encodeURIComponent(id)}`),
    [id],
  );
  const [resent, setResent] = useState(false);
  const [error, setError] = useState<unknown>();
  if (delivery.error) {
    return (
      <>
        <h1>Delivery</h1>
        <ErrorNote error={delivery.error} />
        <a href={href('/deliveries')}>Back to the delivery log</a>
      </>
    );
  }
  const d = delivery.data;
  if (!d) return <p aria-live="polite">Loading…</p>;
  return (
    <>
      <div class="page-head">
        <h1>
          Delivery <code>{d.id}</code>
        </h1>
        <a class="button secondary" href={logOf(d.endpoint_id)}>
          Endpoint's log
        </a>
      </div>
      <Section title="Summary">
        <dl class="facts">
          <dt>Status</dt>
          <dd>{statusBadge(d.status)}</dd>
          <dt>Event</dt>
          <dd>
            <code>{d.event_type}</code> <code>{d.event_id}</code>
          </dd>
          <dt>Endpoint</dt>
          <dd>
            <a href={href(`/endpoints/${d.endpoint_id}`)}>{d.endpoint_id}</a>
          </dd>
          <dt>Agent</dt>
          <dd>{d.agent_id}</dd>
          <dt>Created</dt>
          <dd>{formatTime(d.created_at)}</dd>
          <dt>Next attempt</dt>
          <dd>{formatTime(d.next_attempt_at)}</dd>
        </dl>
        <div class="actions">
          <button
            type="button"
            class="primary"
            onClick={() => {
              setError(undefined);
              api.post(`/deliveries/${encodeURIComponent(d.id)}/resend`).then(() => {
                setResent(true);
                setTimeout(delivery.reload, 1_000);
              }, setError);
            }}
          >
            Resend
          </button>
          <button type="button" class="secondary" onClick={delivery.reload}>
            Refresh
          </button>
          {resent && <span role="status">Resend queued.</span>}
        </div>
        <ErrorNote error={error} />
      </Section>
      <Section title="Body">
        <p>
          The exact bytes sent (shown indented). <CopyButton text={d.body} label="Copy body" />
        </p>
        <Verbatim text={prettyJson(d.body)} label="Request body" />
      </Section>
      <Section title={`Attempts (${d.attempts.length})`} id="attempts">
        {d.attempts.length === 0 ? (
          <p class="muted">No attempt yet.</p>
        ) : (
          <ol class="attempts">
            {[...d.attempts].reverse().map((attempt) => (
              <AttemptView
                key={`${attempt.attempt_number}-${attempt.started_at}`}
                delivery={d}
                attempt={attempt}
              />
            ))}
          </ol>
        )}
      </Section>
    </>
  );
}
