import { useState } from 'preact/hooks';
import { api } from '../api.js';
import type { EndpointStats } from '../wire.js';
import { ErrorNote, useLoad } from './common.js';
import { LatencyChart } from './latency-chart.js';

const WIDTH = 640;
const HEIGHT = 160;

function label(stats: EndpointStats, start: string): string {
  const date = new Date(start);
  return stats.window === '24h'
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : `${date.toLocaleDateString(undefined, { weekday: 'short' })} ${date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}`;
}

/** Successes and failures per bar over 24 h or 7 d, and latency percentiles per bar (SVGs drawn here: no chart library). */
export function StatsChart({ endpointId, version }: { endpointId: string; version: number }) {
  const [window, setWindow] = useState<'24h' | '7d'>('24h');
  const stats = useLoad(
    () =>
      api.get<EndpointStats>(`/endpoints/${encodeURIComponent(endpointId)}/stats?window=${window}`),
    [endpointId, window, version],
  );
  const data = stats.data;
  const max = Math.max(1, ...(data?.buckets ?? []).map((b) => b.succeeded + b.failed));
  const barWidth = data ? WIDTH / data.buckets.length : 0;
  const totals = (data?.buckets ?? []).reduce(
    (sum, b) => ({ succeeded: sum.succeeded + b.succeeded, failed: sum.failed + b.failed }),
    { succeeded: 0, failed: 0 },
  );
  return (
    <div class="chart">
      <div class="toggle">
        <div role="group" aria-label="Chart window" class="toggle">
          {(['24h', '7d'] as const).map((option) => (
            <button
              key={option}
              type="button"
              class={option === window ? 'primary' : 'secondary'}
              aria-pressed={option === window}
              onClick={() => {
                setWindow(option);
              }}
            >
              {option === '24h' ? 'Last 24 hours' : 'Last 7 days'}
            </button>
          ))}
        </div>
        <button type="button" class="secondary" onClick={stats.reload}>
          Refresh chart
        </button>
      </div>
      <ErrorNote error={stats.error} />
      {data && (
        <figure>
          <svg
            viewBox={`0 0 ${WIDTH} ${HEIGHT + 20}`}
            role="img"
            aria-label={`Attempts over the ${data.window === '24h' ? 'last 24 hours' : 'last 7 days'}: ${totals.succeeded} succeeded, ${totals.failed} failed`}
          >
            <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
            {data.buckets.map((bucket, index) => {
              const ok = (bucket.succeeded / max) * HEIGHT;
              const bad = (bucket.failed / max) * HEIGHT;
              const x = index * barWidth + 1;
              const w = Math.max(1, barWidth - 2);
              return (
                <g key={bucket.start}>
                  <title>{`${label(data, bucket.start)}: ${bucket.succeeded} succeeded, ${bucket.failed} failed`}</title>
                  <rect class="ok" x={x} y={HEIGHT - ok} width={w} height={ok} />
                  <rect class="bad" x={x} y={HEIGHT - ok - bad} width={w} height={bad} />
                  {index % (data.window === '24h' ? 6 : 4) === 0 && (
                    <text x={x} y={HEIGHT + 14} class="tick">
                      {label(data, bucket.start)}
                    </text>
                  )}
                </g>
              );
            })}
          </svg>
          <figcaption>
            <span class="legend ok">{totals.succeeded} succeeded</span>{' '}
            <span class="legend bad">{totals.failed} failed</span>
          </figcaption>
        </figure>
      )}
      {data && <LatencyChart stats={data} label={(start) => label(data, start)} />}
    </div>
  );
}
