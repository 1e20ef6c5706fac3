/** BB2 request counts per minute, endpoint and status (see bluebutton/request-counter.ts). */
import type { Db } from './client.ts';

/** Adds per-minute request counts (see bluebutton/request-counter.ts). */
export async function addRequestCounts(
  db: Db,
  counts: readonly { minute: string; endpoint: string; status: number; count: number }[],
): Promise<void> {
  if (counts.length === 0) return;
  await db.query(
    `INSERT INTO bb2_request_counts (minute, endpoint, status, count)
     SELECT minute, endpoint, status, count FROM json_to_recordset($1::json)
       AS r(minute timestamptz, endpoint text, status int, count int)
     ON CONFLICT (minute, endpoint, status) DO UPDATE SET count = bb2_request_counts.count + excluded.count`,
    [JSON.stringify(counts)],
  );
}
