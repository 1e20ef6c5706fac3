/** Counters served by GET /__emulator/stats. All in memory; reset by POST /__emulator/stats/reset. */

export interface EndpointStats {
  total: number;
  /** By HTTP status; `reset` counts connections dropped by fault injection. */
  byStatus: Record<string, number>;
}

export interface StatsSnapshot {
  /** When counting started (server start or last reset). */
  since: string;
  /** Keyed by method and route pattern, e.g. `GET /v2/fhir/ExplanationOfBenefit/`. */
  requests: Record<string, EndpointStats>;
  /** Authorizations completed with Allow. */
  authorizations: number;
  /** Access tokens issued (code exchanges plus refreshes). */
  tokensIssued: number;
  /** Successful refresh_token grants (tokens rotated). */
  refreshes: number;
  /** Refresh attempts with a refresh token that had already been used or revoked. */
  refreshTokenReuse: number;
  /**
   * Refresh tokens the client lost: it presented an older, rotated-away token although the one
   * that replaced it had been delivered in a 200 and never used.
   */
  lostRefreshTokens: number;
  /** FHIR resource requests that passed authentication, by patient id. */
  fhirRequestsByPatient: Record<string, number>;
  /** The page cache: entries, bytes, hits and misses. */
  pageCache: { entries: number; bytes: number; hits: number; misses: number };
}

export class Stats {
  since: Date;
  private requests = new Map<string, { total: number; byStatus: Map<string, number> }>();
  authorizations = 0;
  tokensIssued = 0;
  refreshes = 0;
  refreshTokenReuse = 0;
  lostRefreshTokens = 0;
  cacheHits = 0;
  cacheMisses = 0;
  private byPatient = new Map<string, number>();

  constructor(now: Date) {
    this.since = now;
  }

  record(route: string, status: number | 'reset'): void {
    let entry = this.requests.get(route);
    if (!entry) {
      entry = { total: 0, byStatus: new Map() };
      this.requests.set(route, entry);
    }
    entry.total++;
    const key = String(status);
    entry.byStatus.set(key, (entry.byStatus.get(key) ?? 0) + 1);
  }

  fhirRequest(patientId: string): void {
    this.byPatient.set(patientId, (this.byPatient.get(patientId) ?? 0) + 1);
  }

  reset(now: Date): void {
    this.since = now;
    this.requests.clear();
    this.byPatient.clear();
    this.authorizations = 0;
    this.tokensIssued = 0;
    this.refreshes = 0;
    this.refreshTokenReuse = 0;
    this.lostRefreshTokens = 0;
    this.cacheHits = 0;
    this.cacheMisses = 0;
  }

  snapshot(cache: { entries: number; bytes: number }): StatsSnapshot {
    const requests: Record<string, EndpointStats> = {};
    for (const key of [...this.requests.keys()].sort()) {
      const entry = this.requests.get(key);
      if (!entry) continue;
      requests[key] = { total: entry.total, byStatus: Object.fromEntries([...entry.byStatus].sort()) };
    }
    return {
      since: this.since.toISOString(),
      requests,
      authorizations: this.authorizations,
      tokensIssued: this.tokensIssued,
      refreshes: this.refreshes,
      refreshTokenReuse: this.refreshTokenReuse,
      lostRefreshTokens: this.lostRefreshTokens,
      fhirRequestsByPatient: Object.fromEntries(this.byPatient),
      pageCache: { ...cache, hits: this.cacheHits, misses: this.cacheMisses },
    };
  }
}
