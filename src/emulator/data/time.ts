/**
 * Time model. The initial data comes from weekly loads that end at a fixed anchor, so generated
 * data never depends on the wall clock. Dates inside resources are whole days (epoch-day
 * numbers internally).
 */

/** The newest initial load; also the initial transaction time. */
export const ANCHOR_MS = Date.UTC(2026, 10, 1, 4, 0, 0, 0);
export const ANCHOR_ISO = new Date(ANCHOR_MS).toISOString(); // 2026-11-01T04:00:00.000Z
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/** What BFD shows for records loaded before it tracked load times (FALLBACK_LAST_UPDATED). */
export const LEGACY_LAST_UPDATED = '2020-01-01T00:00:00Z';
/** Records loaded before this date have no real lastUpdated. */
export const LEGACY_CUTOFF_DAY = Math.floor(Date.UTC(2020, 1, 12) / DAY_MS);

/** Time of the weekly load `weeksBack` weeks before the anchor. */
export function loadTime(weeksBack: number): number {
  return ANCHOR_MS - weeksBack * WEEK_MS;
}

const ISO_CACHE = new Map<number, string>();
/** ISO-8601 with milliseconds and `Z` (memoised: load times repeat across many resources). */
export function isoTime(ms: number): string {
  let s = ISO_CACHE.get(ms);
  if (s === undefined) {
    s = new Date(ms).toISOString();
    if (ISO_CACHE.size < 100_000) ISO_CACHE.set(ms, s);
  }
  return s;
}

export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function dayFromYmd(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / DAY_MS);
}

const YMD_CACHE = new Map<number, string>();
/** Epoch day -> `YYYY-MM-DD` (memoised: generation formats the same few thousand days over and over). */
export function ymd(day: number): string {
  let s = YMD_CACHE.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (YMD_CACHE.size < 100_000) YMD_CACHE.set(day, s);
  }
  return s;
}

/** Epoch day -> the dateTime form BFD uses for procedure dates. */
export function dateTimeAtMidnight(day: number): string {
  return `${ymd(day)}T00:00:00+00:00`;
}

export function yearOf(day: number): number {
  return new Date(day * DAY_MS).getUTCFullYear();
}
