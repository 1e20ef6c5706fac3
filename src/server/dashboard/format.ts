/**
 * Formatting for the dashboard pages: times, durations, lags, numbers. Pure functions; `now` is
 * passed in so pages render the same in tests.
 */

/** '2026-01-31 02:00' in UTC (the dashboard says so once, in its header); seconds when asked; '—' for none. */
export function formatTime(iso: string | null | undefined, options: { seconds?: boolean } = {}): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const text = d.toISOString().replace('T', ' ');
  return options.seconds ? text.slice(0, 19) : text.slice(0, 16);
}

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 10 min, 3 d 4 h. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** How long ago, coarsely: '5 min', '3 h', '12 d'; 'never' for none. */
export function formatAge(iso: string | null | undefined, now: Date): string {
  if (!iso) return 'never';
  const ms = now.getTime() - new Date(iso).getTime();
  if (ms < 60_000) return '< 1 min';
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** Days from now until `iso` (negative when past); undefined for none. */
export function daysUntil(iso: string | null | undefined, now: Date): number | undefined {
  if (!iso) return undefined;
  return (new Date(iso).getTime() - now.getTime()) / 86_400_000;
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n.toLocaleString('en-US');
}

/** '12.5 %' of a part in a whole; '—' when the whole is 0. */
export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '—';
  const p = (100 * part) / whole;
  return `${p < 10 && p > 0 ? p.toFixed(1) : Math.round(p)} %`;
}
