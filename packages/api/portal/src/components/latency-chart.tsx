import { formatMs } from '../format.js';
import type { EndpointStats } from '../wire.js';

const WIDTH = 640;
const HEIGHT = 120;
const LINES = [
  ['p50', 'median'],
  ['p99', '99th percentile'],
] as const;

/** Polyline runs over the bars that had attempts (a bar without any breaks the line). */
function runs(points: readonly (readonly [number, number] | null)[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const point of points) {
    if (point === null) {
      if (current.length > 0) out.push(current.join(' '));
      current = [];
    } else current.push(`${point[0].toFixed(1)},${point[1].toFixed(1)}`);
  }
  if (current.length > 0) out.push(current.join(' '));
  return out;
}

/** The p50 and p99 attempt durations of each bar, as two lines (an SVG drawn here). */
export function LatencyChart({
  stats,
  label,
}: {
  stats: EndpointStats;
  label: (start: string) => string;
}) {
  const max = Math.max(1, ...stats.buckets.map((b) => b.p99 ?? 0));
  const step = WIDTH / stats.buckets.length;
  const y = (ms: number) => HEIGHT - (ms / max) * (HEIGHT - 8);
  const x = (index: number) => index * step + step / 2;
  return (
    <figure aria-labelledby="latency-heading">
      <h3 id="latency-heading">Latency</h3>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT + 20}`}
        role="img"
        aria-label={`Latency per bar: median and 99th percentile, up to ${formatMs(max)}`}
      >
        <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
        <text x="2" y="10" class="tick">
          {formatMs(max)}
        </text>
        {LINES.map(([key]) =>
          runs(
            stats.buckets.map((b, index) => {
              const ms = b[key];
              return ms === null ? null : [x(index), y(ms)];
            }),
          ).map((points) =>
            points.includes(' ') ? (
              <polyline key={`${key}-${points}`} class={`line ${key}`} points={points} />
            ) : null,
          ),
        )}
        {stats.buckets.map((bucket, index) =>
          LINES.map(([key, name]) => {
            const ms = bucket[key];
            return ms === null ? null : (
              <circle
                key={`${key}-${bucket.start}`}
                class={`dot ${key}`}
                cx={x(index)}
                cy={y(ms)}
                r="3"
              >
                <title>{`${label(bucket.start)}: ${name} ${formatMs(ms)}`}</title>
              </circle>
            );
          }),
        )}
      </svg>
      <figcaption>
        <span class="legend p50">median (p50)</span> <span class="legend p99">p99</span> per bar,
        over {stats.latency.attempts} attempt{stats.latency.attempts === 1 ? '' : 's'}: p50{' '}
        {formatMs(stats.latency.p50)}, p90 {formatMs(stats.latency.p90)}, p99{' '}
        {formatMs(stats.latency.p99)}
      </figcaption>
    </figure>
  );
}
