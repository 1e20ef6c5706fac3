/**
 * Fault injection on the FHIR resource endpoints of both versions (faults.ts has the settings,
 * hostile.ts the hostile answers). A fault is drawn after authentication and scopes, where BB2
 * throttles and calls BFD. The version decides only the shape of a 5xx:
 * - v2: BB2 turns any BFD 5xx into 502 `{"detail": ...}` (WS `apps/fhir/bluebutton/exceptions.py`),
 *   and its own crashes are DRF's 500 `{"error": "Server Error (500)"}` (WS
 *   `hhs_oauth_server/urls.py` handler500 = `rest_framework.exceptions.server_error`);
 * - v3: `process_error_response` relays an OperationOutcome with BFD's status for any 4xx/5xx, but
 *   calls `r.json()` unguarded first; BFD ng answers its own 5xx with a plain-text 500
 *   (`ExceptionHandlingInterceptor`), so the JSON decode fails and BB2 answers DRF's 500. Half of
 *   the v3 5xx faults are that 500, half a relayed 500 OperationOutcome (what the same code path
 *   gives when the 5xx body is an OperationOutcome, e.g. HAPI's default exception handler).
 * 429s are BB2's own throttle (DRF), the same in both versions.
 */
import type { ServerResponse } from 'node:http';

import type { Core, Ctx } from './core.ts';
import { throttledDetail } from './faults.ts';
import { foreignLink, sendGzipBomb, sendHugeBody, sendTruncatedGzip, withNextLink } from './hostile.ts';
import { HttpError, sleep } from './http-util.ts';

/** `handled`: the fault answered (or dropped) the request; `malformed`: answer 200 with a cut body. */
export type FaultAnswer = 'handled' | 'malformed' | HostileAnswer | 'none';
type HostileAnswer = 'huge' | 'bomb' | 'badGzip' | 'selfLink' | 'foreignLink';
export type ApiVersion = 'v2' | 'v3';

function serverError(core: Core, version: ApiVersion): HttpError {
  const crash = new HttpError(500, { error: 'Server Error (500)' });
  if (version === 'v3') {
    if (core.random() < 0.5) return crash;
    return new HttpError(500, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'An unexpected error occurred' }],
    });
  }
  if (core.random() < 0.5) return crash;
  return new HttpError(502, { detail: 'An error occurred contacting the upstream server' });
}

/** Draws this call's fault; throws the HttpError of a 429 or 5xx fault. */
export async function injectFaults(ctx: Ctx, core: Core, version: ApiVersion): Promise<FaultAnswer> {
  const f = core.faults;
  if (f.latencyMs > 0) await sleep(f.latencyMs);
  if (f.resetRate > 0 && core.random() < f.resetRate) {
    ctx.reset = true;
    ctx.req.socket.destroy();
    return 'handled';
  }
  if (f.rate429 > 0 && core.random() < f.rate429) {
    throw new HttpError(
      429,
      { detail: throttledDetail(f.retryAfterSeconds) },
      { 'Retry-After': String(f.retryAfterSeconds) },
    );
  }
  if (f.rate5xx > 0 && core.random() < f.rate5xx) throw serverError(core, version);
  if (f.malformedRate > 0 && core.random() < f.malformedRate) return 'malformed';
  return hostileFault(core);
}

function hostileFault(core: Core): HostileAnswer | 'none' {
  const f = core.faults;
  const rates: [HostileAnswer, number][] = [
    ['huge', f.hugeBodyRate],
    ['bomb', f.gzipBombRate],
    ['badGzip', f.badGzipRate],
    ['selfLink', f.selfLinkRate],
    ['foreignLink', f.foreignLinkRate],
  ];
  for (const [answer, rate] of rates) if (rate > 0 && core.random() < rate) return answer;
  return 'none';
}

/**
 * Answers with the drawn body fault (`malformed` or a hostile one) and returns true; false for
 * `none`, and for the link faults on anything but a search (they need a search page).
 */
export function sendBodyFault(
  ctx: Ctx,
  core: Core,
  fault: Exclude<FaultAnswer, 'handled'>,
  type: string,
  full: () => Buffer,
): boolean {
  if (fault === 'none') return false;
  if (fault === 'malformed') {
    const body = full();
    writeBody(ctx.res, 200, [body.subarray(0, Math.max(1, Math.floor(body.length / 2)))], {
      'Content-Type': type,
    });
  } else if (fault === 'huge') sendHugeBody(ctx.res, type, core.faults.hugeBodyBytes);
  else if (fault === 'bomb') sendGzipBomb(ctx.res, type, core.faults.gzipBombBytes);
  else if (fault === 'badGzip') sendTruncatedGzip(ctx.res, type, full());
  else {
    if (ctx.path.match(/\/fhir\/[A-Za-z]+\/?$/) === null) return false;
    const requested = `${ctx.base}${ctx.req.url ?? ctx.path}`;
    const next = fault === 'selfLink' ? requested : foreignLink(requested);
    writeBody(ctx.res, 200, [withNextLink(full(), next)], { 'Content-Type': type });
  }
  return true;
}

export function writeBody(
  res: ServerResponse,
  status: number,
  chunks: readonly Buffer[],
  headers: Record<string, string | number>,
): void {
  let length = 0;
  for (const c of chunks) length += c.length;
  res.writeHead(status, { ...headers, 'Content-Length': length });
  if (chunks.length === 1) {
    res.end(chunks[0]);
    return;
  }
  res.cork();
  for (const c of chunks) res.write(c);
  res.end();
}
