/**
 * The emulator's OAuth state, kept in memory: registered clients, authorization requests waiting
 * for login/consent, authorization codes, access and refresh tokens, and data access grants.
 * The rules follow BB2 (django-oauth-toolkit 2.2 plus BB2's own checks); see
 * shared/reference/bb2-api.md section 2.
 */
import { randomUUID } from 'node:crypto';

import {
  CODE_TTL_MS,
  generateToken,
  pairKey,
  PENDING_TTL_MS,
  type AccessTokenRecord,
  type AuthorizationCode,
  type ClientRegistration,
  type DataAccessGrant,
  type PendingAuthorization,
  type RefreshTokenRecord,
} from './records.ts';
import { isWithinScopes } from './scopes.ts';
import { grantEnd, withRegistrationDefaults } from '../registrations.ts';

export type RefreshOutcome =
  | { kind: 'ok'; access: AccessTokenRecord; refresh: RefreshTokenRecord; grant: DataAccessGrant }
  | { kind: 'not_found' }
  | { kind: 'grant_missing' }
  | { kind: 'grant_expired' }
  /** `lost`: the token that replaced this one reached the client and was never used: the client lost it. */
  | { kind: 'reused'; lost: boolean }
  | { kind: 'wrong_client' }
  | { kind: 'invalid_scope' };

/** Whom tokens are issued to, for what: a client, a beneficiary and the granted scopes. */
type TokenGrantee = Pick<AccessTokenRecord, 'clientId' | 'patientId' | 'scopes'>;

export type SecretKind = 'access_token' | 'refresh_token' | 'authorization_code' | 'code_verifier';

/** The entry under `key` while it is live: an expired one is deleted when found. */
function unexpired<V>(map: Map<string, V>, key: string, expired: (value: V) => boolean): V | undefined {
  const value = map.get(key);
  if (value === undefined || !expired(value)) return value;
  map.delete(key);
  return undefined;
}

export class OAuthState {
  readonly clients = new Map<string, Required<ClientRegistration>>();
  private readonly pending = new Map<string, PendingAuthorization>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly access = new Map<string, AccessTokenRecord>();
  private readonly refresh = new Map<string, RefreshTokenRecord>();
  private readonly grants = new Map<string, DataAccessGrant>();
  /**
   * Every access and refresh token ever issued, in order: lets a test prove that none of them
   * leaked into logs or storage (see RunningEmulator.issuedTokens). A few MB for 10,000 users.
   */
  readonly issued: string[] = [];
  /**
   * Told of every secret handed out or received, with the beneficiary it belongs to (the test
   * suite's log scan records them: see src/emulator/secret-record.ts). Unset: nothing is told.
   */
  onSecret: ((kind: SecretKind, value: string, patientId: string) => void) | undefined;
  /** Token ids by (client, patient), so re-authorization and grant deletion need no scan. */
  private readonly pairs = new Map<string, { access: Set<string>; refresh: Set<string> }>();

  constructor(clients: readonly ClientRegistration[]) {
    for (const c of clients) this.clients.set(c.clientId, withRegistrationDefaults(c));
  }

  // --- authorization requests -------------------------------------------------------------

  startAuthorization(
    input: Omit<PendingAuthorization, 'uuid' | 'createdAt'>,
    now: number,
  ): PendingAuthorization {
    this.prune(now);
    const pending: PendingAuthorization = { ...input, uuid: randomUUID(), createdAt: now };
    this.pending.set(pending.uuid, pending);
    return pending;
  }

  pendingAuthorization(uuid: string, now: number): PendingAuthorization | undefined {
    return unexpired(this.pending, uuid, (p) => now - p.createdAt > PENDING_TTL_MS);
  }

  finishPending(uuid: string): void {
    this.pending.delete(uuid);
  }

  /**
   * Consent given: as BB2 since 2026-06 (BB2-4781), a new authorization deletes every earlier
   * access and refresh token of this (app, beneficiary) pair, then (re)starts the 13-month grant
   * and issues a 60-second single-use code. The grant's end follows the app's data access type.
   */
  authorize(
    pending: PendingAuthorization,
    patientId: string,
    scopes: readonly string[],
    now: number,
    accessTokenTtlSeconds: number,
  ): AuthorizationCode {
    this.deletePairTokens(pending.clientId, patientId);
    const key = pairKey(pending.clientId, patientId);
    const client = this.clients.get(pending.clientId);
    const expiresAt = grantEnd(client?.dataAccessType ?? 'THIRTEEN_MONTH', now, accessTokenTtlSeconds);
    const grant = this.grants.get(key);
    if (grant) {
      grant.authorizedAt = now;
      grant.expiresAt = expiresAt;
    } else {
      this.grants.set(key, { clientId: pending.clientId, patientId, authorizedAt: now, expiresAt });
    }
    const code: AuthorizationCode = {
      code: generateToken(),
      clientId: pending.clientId,
      patientId,
      redirectUri: pending.redirectUri,
      codeChallenge: pending.codeChallenge,
      scopes,
      expiresAt: now + CODE_TTL_MS,
    };
    this.codes.set(code.code, code);
    this.onSecret?.('authorization_code', code.code, patientId);
    this.pending.delete(pending.uuid);
    return code;
  }

  /** Removes the tokens and grant of a pair, as BB2 does when consent yields no scope at all. */
  removePairAccess(clientId: string, patientId: string): void {
    this.deletePairTokens(clientId, patientId);
    this.grants.delete(pairKey(clientId, patientId));
  }

  // --- codes and tokens --------------------------------------------------------------------

  /** A usable code of this client; undefined when unknown, used, expired or another client's. */
  findCode(code: string, clientId: string, now: number): AuthorizationCode | undefined {
    if (this.codes.get(code)?.clientId !== clientId) return undefined;
    return unexpired(this.codes, code, (c) => now >= c.expiresAt);
  }

  /** Codes are single use: DOT invalidates one when it has issued tokens for it. */
  consumeCode(code: string): void {
    this.codes.delete(code);
  }

  /** A new access and refresh token for what the grantee was granted (a code, or a refresh). */
  issueTokens(grantee: TokenGrantee, now: number, ttlSeconds: number) {
    const { clientId, patientId, scopes } = grantee;
    const access = this.newAccessToken(grantee, now + ttlSeconds * 1000);
    const refresh: RefreshTokenRecord = {
      token: generateToken(),
      clientId,
      patientId,
      scopes,
      accessToken: access.token,
      revoked: false,
    };
    access.refreshToken = refresh.token;
    this.issued.push(refresh.token);
    this.onSecret?.('refresh_token', refresh.token, patientId);
    this.refresh.set(refresh.token, refresh);
    this.pair(clientId, patientId).refresh.add(refresh.token);
    return { access, refresh };
  }

  /** A new access token of the pair, recorded as issued (its refresh token, if any, set after). */
  private newAccessToken(grantee: TokenGrantee, expiresAt: number): AccessTokenRecord {
    const { clientId, patientId, scopes } = grantee;
    const access: AccessTokenRecord = { token: generateToken(), clientId, patientId, scopes, expiresAt };
    this.issued.push(access.token);
    this.onSecret?.('access_token', access.token, patientId);
    this.access.set(access.token, access);
    this.pair(clientId, patientId).access.add(access.token);
    return access;
  }

  grant(clientId: string, patientId: string): DataAccessGrant | undefined {
    return this.grants.get(pairKey(clientId, patientId));
  }

  grantsOfPatient(patientId: string): DataAccessGrant[] {
    return [...this.grants.values()].filter((g) => g.patientId === patientId);
  }

  /**
   * Refresh as BB2 does it: BB2's `validate_app_is_active` first (unknown token, missing or
   * expired grant), then DOT (revoked token, client, scope), then rotation: the old refresh token
   * is revoked and its access token deleted (ROTATE_REFRESH_TOKEN, no grace period).
   */
  refreshTokens(
    token: string,
    clientId: string,
    requestedScope: string | null,
    now: number,
    ttlSeconds: number,
    options: { rotate?: boolean } = {},
  ): RefreshOutcome {
    const rt = this.refresh.get(token);
    if (!rt) return { kind: 'not_found' };
    const grant = this.grant(rt.clientId, rt.patientId);
    if (!grant) return { kind: 'grant_missing' };
    if (now >= grant.expiresAt) return { kind: 'grant_expired' };
    if (rt.clientId !== clientId) return { kind: 'wrong_client' };
    if (rt.revoked) {
      const successor = rt.successor ? this.refresh.get(rt.successor) : undefined;
      return { kind: 'reused', lost: Boolean(successor?.delivered && !successor.revoked) };
    }
    let scopes = rt.scopes;
    if (requestedScope !== null && requestedScope.trim() !== '') {
      const requested = requestedScope.trim().split(/\s+/);
      if (!requested.every((s) => isWithinScopes(s, rt.scopes))) return { kind: 'invalid_scope' };
      scopes = requested;
    }
    if (options.rotate === false) {
      // No rotation (RFC 6749 §6 allows it): a new access token, the refresh token stays valid.
      return { kind: 'ok', access: this.issueAccessFor(rt, scopes, now, ttlSeconds), refresh: rt, grant };
    }
    this.revokeRefresh(rt);
    const { access, refresh } = this.issueTokens({ ...rt, scopes }, now, ttlSeconds);
    rt.successor = refresh.token;
    return { kind: 'ok', access, refresh, grant };
  }

  private issueAccessFor(
    rt: RefreshTokenRecord,
    scopes: readonly string[],
    now: number,
    ttlSeconds: number,
  ): AccessTokenRecord {
    if (rt.accessToken) {
      const old = this.access.get(rt.accessToken);
      if (old) this.deleteAccess(old);
    }
    const access = this.newAccessToken({ ...rt, scopes }, now + ttlSeconds * 1000);
    access.refreshToken = rt.token;
    rt.accessToken = access.token;
    return access;
  }

  accessToken(token: string): AccessTokenRecord | undefined {
    return this.access.get(token);
  }

  refreshToken(token: string): RefreshTokenRecord | undefined {
    return this.refresh.get(token);
  }

  /** DOT's RevokeTokenView: an access token is deleted; a refresh token is revoked with its access token. */
  revokeToken(token: string, clientId: string): void {
    const at = this.access.get(token);
    if (at) {
      if (at.clientId === clientId) this.deleteAccess(at);
      return;
    }
    const rt = this.refresh.get(token);
    if (rt && rt.clientId === clientId) this.revokeRefresh(rt);
  }

  /**
   * Deleting a grant (BB2's signal): every access token of the pair is deleted and every refresh
   * token revoked (kept, so a later refresh finds it and answers 403 "User access cannot be found").
   */
  deleteGrant(clientId: string, patientId: string): boolean {
    const key = pairKey(clientId, patientId);
    const existed = this.grants.delete(key);
    const pair = this.pairs.get(key);
    if (pair) {
      for (const t of [...pair.access]) {
        const at = this.access.get(t);
        if (at) this.deleteAccess(at);
      }
      for (const t of pair.refresh) {
        const rt = this.refresh.get(t);
        if (rt) rt.revoked = true;
      }
    }
    return existed;
  }

  /** Makes a grant expire now (the 13-month limit reached). Tokens stay; BB2 checks the grant. */
  expireGrant(clientId: string, patientId: string, now: number): boolean {
    const grant = this.grant(clientId, patientId);
    if (!grant) return false;
    grant.expiresAt = now;
    return true;
  }

  /** Expires access tokens now, optionally only a patient's or a client's. Returns how many. */
  expireAccessTokens(now: number, filter: { patientId?: string; clientId?: string }): number {
    let n = 0;
    for (const at of this.access.values()) {
      if (filter.patientId !== undefined && at.patientId !== filter.patientId) continue;
      if (filter.clientId !== undefined && at.clientId !== filter.clientId) continue;
      if (at.expiresAt > now) {
        at.expiresAt = now;
        n++;
      }
    }
    return n;
  }

  counts(): {
    pendingAuthorizations: number;
    codes: number;
    accessTokens: number;
    refreshTokens: number;
    grants: number;
  } {
    return {
      pendingAuthorizations: this.pending.size,
      codes: this.codes.size,
      accessTokens: this.access.size,
      refreshTokens: this.refresh.size,
      grants: this.grants.size,
    };
  }

  // --- internals ----------------------------------------------------------------------------

  private pair(clientId: string, patientId: string): { access: Set<string>; refresh: Set<string> } {
    const key = pairKey(clientId, patientId);
    let pair = this.pairs.get(key);
    if (!pair) {
      pair = { access: new Set(), refresh: new Set() };
      this.pairs.set(key, pair);
    }
    return pair;
  }

  private deleteAccess(at: AccessTokenRecord): void {
    this.access.delete(at.token);
    this.pairs.get(pairKey(at.clientId, at.patientId))?.access.delete(at.token);
    if (at.refreshToken) {
      const rt = this.refresh.get(at.refreshToken);
      if (rt && rt.accessToken === at.token) delete rt.accessToken;
    }
  }

  private revokeRefresh(rt: RefreshTokenRecord): void {
    rt.revoked = true;
    if (rt.accessToken) {
      const at = this.access.get(rt.accessToken);
      if (at) this.deleteAccess(at);
      delete rt.accessToken;
    }
  }

  /** Deletes the rows (not just revokes): a later refresh gets "Refresh token not found." */
  private deletePairTokens(clientId: string, patientId: string): void {
    const key = pairKey(clientId, patientId);
    const pair = this.pairs.get(key);
    if (!pair) return;
    for (const t of pair.access) this.access.delete(t);
    for (const t of pair.refresh) this.refresh.delete(t);
    this.pairs.delete(key);
  }

  private prune(now: number): void {
    if (this.pending.size > 1000) {
      for (const [uuid, p] of this.pending) if (now - p.createdAt > PENDING_TTL_MS) this.pending.delete(uuid);
    }
    if (this.codes.size > 1000) {
      for (const [code, c] of this.codes) if (now >= c.expiresAt) this.codes.delete(code);
    }
  }
}
