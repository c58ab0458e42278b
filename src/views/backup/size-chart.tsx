/** @jsxImportSource hono/jsx */
import { createdMs, type ManifestRecord } from "../../backup/index.ts";
import { formatBytes } from "../../lib/format.ts";
import { showTime } from "../../lib/time.ts";

const WIDTH = 640;
const HEIGHT = 140;
const PAD = 28;
/** At most this many stretches of the timeline get their own points: the chart is ~600 px wide. */
const BUCKETS = 100;

/**
 * With more points than buckets, each stretch of them keeps its smallest and its largest (in
 * time order): a dip or a jump still shows, and thousands of backups draw a few hundred dots.
 */
function thin<T extends { size: number }>(points: T[]): T[] {
  if (points.length <= 2 * BUCKETS) return points;
  const kept: T[] = [];
  for (let b = 0; b < BUCKETS; b++) {
    const start = Math.floor((b * points.length) / BUCKETS);
    const end = Math.floor(((b + 1) * points.length) / BUCKETS);
    let low = start;
    let high = start;
    for (let i = start; i < end; i++) {
      if ((points[i]?.size ?? 0) < (points[low]?.size ?? 0)) low = i;
      if ((points[i]?.size ?? 0) > (points[high]?.size ?? 0)) high = i;
    }
    for (const i of low === high ? [low] : [Math.min(low, high), Math.max(low, high)]) {
      const p = points[i];
      if (p) kept.push(p);
    }
  }
  return kept;
}

/**
 * Sizes of the good backups over time as an inline SVG: a point per backup (thinned past a few
 * hundred), oldest left; nothing
 * loaded from elsewhere. Damaged and unchecked files are left out: a 3-byte broken copy is not a
 * dip in the size of the data.
 */
export function SizeChart(props: { records: ManifestRecord[] }) {
  const all = props.records
    .filter((r) => r.health === "verified")
    .map((r) => ({ t: createdMs(r), size: r.size, name: r.name, at: r.createdAt }))
    .filter((p) => Number.isFinite(p.t))
    .sort((a, b) => a.t - b.t);
  const points = thin(all);
  if (points.length < 2) return <p class="muted">The chart appears once there are two good backups.</p>;
  const t0 = points[0]?.t ?? 0;
  const t1 = points.at(-1)?.t ?? 1;
  const maxSize = Math.max(...points.map((p) => p.size), 1);
  const x = (t: number) => PAD + ((t - t0) / Math.max(1, t1 - t0)) * (WIDTH - 2 * PAD);
  const y = (size: number) => HEIGHT - PAD - (size / maxSize) * (HEIGHT - 2 * PAD);
  const path = points
    .map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p.size).toFixed(1)}`)
    .join(" ");
  return (
    <svg
      class="size-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={`Backup sizes from ${showTime(points[0]?.at)} to ${showTime(points.at(-1)?.at)}, largest ${formatBytes(maxSize)}`}
    >
      <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} class="axis" />
      <text x={PAD} y={HEIGHT - 8} class="label">
        {showTime(points[0]?.at)}
      </text>
      <text x={WIDTH - PAD} y={HEIGHT - 8} class="label" text-anchor="end">
        {showTime(points.at(-1)?.at)}
      </text>
      <text x={PAD} y={PAD - 10} class="label">
        {formatBytes(maxSize)}
      </text>
      <path d={path} class="line" />
      {points.map((p) => (
        <circle cx={x(p.t).toFixed(1)} cy={y(p.size).toFixed(1)} r="3.5" class="dot">
          <title>{`${p.name}: ${formatBytes(p.size)}`}</title>
        </circle>
      ))}
    </svg>
  );
}
