import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '@avn/audit';
import { Errors, RequestContext } from '@avn/common';
import { AppConfig } from '@avn/config';
import { DatabaseService, newId } from '@avn/database';
import { MembershipService } from '@avn/rbac';
import { UsersRepository } from '../users/users.repository';
import { AccessTokens } from './access-tokens';
import { SessionState } from './session-state';
import { SessionsRepository } from './sessions.repository';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  activeTeamId: string | null;
}

export type RevokeReason = 'logout' | 'refresh_reuse' | 'user_disabled' | 'password_changed' | 'admin';

const REFRESH_PREFIX = 'avn_rt_';
const REFRESH_RE = /^avn_rt_[A-Za-z0-9_-]{43}$/;

/** Refresh tokens are 256 random bits; only their SHA-256 is stored. */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Sessions (token families): issuing access + refresh tokens, rotating refresh tokens with reuse
 * detection, and revocation. Used by login, sign-up, invitation acceptance and SSO.
 */
@Injectable()
export class SessionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly tokens: AccessTokens,
    private readonly state: SessionState,
    private readonly membership: MembershipService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Starts a session for an active user. `activeTeamId` is trusted: callers check membership first.
   * Joins the caller's transaction (sign-up creates user, team and session atomically).
   */
  async issueTokens(userId: string, activeTeamId?: string): Promise<IssuedTokens> {
    const user = await this.users.findById(userId);
    if (!user || user.status !== 'active') throw Errors.unauthenticated('The account is disabled');
    const sessionId = newId();
    const refreshToken = newRefreshToken();
    const ctx = RequestContext.current();
    const expiresAt = this.expiryOf(new Date());
    await this.db.transaction(async () => {
      await this.sessions.insertSession({
        id: sessionId,
        userId,
        activeTeamId: activeTeamId ?? null,
        expiresAt,
        ip: ctx?.ip ?? null,
        userAgent: ctx?.userAgent?.slice(0, 512) ?? null,
      });
      await this.sessions.insertRefreshToken({ id: newId(), sessionId, hash: hashRefreshToken(refreshToken), expiresAt });
    });
    await this.state.markLive(sessionId, userId);
    const accessToken = await this.tokens.sign({ sub: userId, sid: sessionId, team: activeTeamId });
    return { accessToken, refreshToken, activeTeamId: activeTeamId ?? null };
  }

  /**
   * Rotates a refresh token. A token that was already rotated is a replay (stolen copy or client
   * bug): the whole session is revoked and 401 returned. Except for concurrent refreshes of one
   * token (two tabs, a retried request): the losers get 409 CONFLICT and the session lives on —
   * a loser is a request that found the token rotated under it, or presented the token that was
   * rotated into the current one less than REFRESH_REUSE_GRACE_SECONDS ago. No loser gets tokens.
   */
  async refresh(refreshToken: string): Promise<IssuedTokens & { userId: string; sessionId: string }> {
    if (!REFRESH_RE.test(refreshToken)) throw Errors.unauthenticated('Invalid refresh token');
    const outcome = await this.db.transaction(async () => {
      const row = await this.sessions.findRefreshForUpdate(hashRefreshToken(refreshToken), this.config.REFRESH_REUSE_GRACE_SECONDS);
      if (!row) return { kind: 'invalid' as const };
      if (row.token_status === 'rotated' && row.token_just_rotated && row.session_status === 'active') {
        return { kind: 'concurrent' as const };
      }
      if (row.token_status === 'rotated') {
        if (row.session_status === 'active') {
          await this.sessions.revoke(row.session_id, 'refresh_reuse');
          await this.state.revoked([row.session_id]);
          // A possible token theft: leave a trace in the platform audit chain.
          await this.audit.record({
            action: 'session.refresh_reuse_detected',
            targetType: 'user',
            targetId: row.user_id,
            data: { sessionId: row.session_id },
            actorType: 'system',
            actorId: null,
          });
        }
        return { kind: 'reused' as const };
      }
      const now = Date.now();
      if (
        row.session_status !== 'active' ||
        row.user_status !== 'active' ||
        new Date(row.token_expires_at).getTime() <= now ||
        new Date(row.session_expires_at).getTime() <= now ||
        this.pastMaxLifetime(row.session_started_at)
      ) {
        return { kind: 'invalid' as const };
      }
      const expiresAt = this.expiryOf(row.session_started_at);
      let teamId = row.active_team_id;
      // A team the user has left (or that was deleted) is dropped rather than carried forward.
      if (teamId && !(await this.membership.isMember(teamId, row.user_id))) teamId = null;
      const next = newRefreshToken();
      // The lookup waited for the session lock: a concurrent refresh may have rotated the token meanwhile.
      if (!(await this.sessions.markRotated(row.token_id))) return { kind: 'concurrent' as const };
      await this.sessions.insertRefreshToken({ id: newId(), sessionId: row.session_id, hash: hashRefreshToken(next), expiresAt });
      await this.sessions.touchSession(row.session_id, { activeTeamId: teamId, expiresAt });
      return { kind: 'ok' as const, userId: row.user_id, sessionId: row.session_id, teamId, refreshToken: next };
    });
    if (outcome.kind === 'reused') throw Errors.unauthenticated('Refresh token was already used; the session has been revoked');
    if (outcome.kind === 'invalid') throw Errors.unauthenticated('Invalid or expired refresh token');
    if (outcome.kind === 'concurrent') {
      throw Errors.conflict('CONFLICT', 'This refresh token was just rotated by a concurrent request; continue with the newest tokens');
    }
    const accessToken = await this.tokens.sign({ sub: outcome.userId, sid: outcome.sessionId, team: outcome.teamId ?? undefined });
    return {
      accessToken,
      refreshToken: outcome.refreshToken,
      activeTeamId: outcome.teamId,
      userId: outcome.userId,
      sessionId: outcome.sessionId,
    };
  }

  /**
   * Re-issues the session's tokens for another team: the session's current refresh token is
   * rotated (presenting it again counts as reuse), so the client must switch to the new pair.
   */
  async switchTeam(sessionId: string, userId: string, teamId: string): Promise<IssuedTokens> {
    const refreshToken = newRefreshToken();
    await this.db.transaction(async () => {
      const session = await this.sessions.lockSession(sessionId);
      if (!session || !session.live || session.user_id !== userId || this.pastMaxLifetime(session.started_at)) {
        throw Errors.unauthenticated('Session is no longer valid');
      }
      const expiresAt = this.expiryOf(session.started_at);
      await this.sessions.rotateCurrentTokens(sessionId);
      await this.sessions.insertRefreshToken({ id: newId(), sessionId, hash: hashRefreshToken(refreshToken), expiresAt });
      await this.sessions.touchSession(sessionId, { activeTeamId: teamId, expiresAt });
    });
    const accessToken = await this.tokens.sign({ sub: userId, sid: sessionId, team: teamId });
    return { accessToken, refreshToken, activeTeamId: teamId };
  }

  /** The user id behind a refresh token (no state change); undefined when unknown. */
  async ownerOfRefreshToken(refreshToken: string): Promise<{ userId: string; sessionId: string } | undefined> {
    if (!REFRESH_RE.test(refreshToken)) return undefined;
    const row = await this.db.transaction(() => this.sessions.findRefreshForUpdate(hashRefreshToken(refreshToken)));
    return row ? { userId: row.user_id, sessionId: row.session_id } : undefined;
  }

  /** Revokes one session; its access tokens stop working on the next request. Joins the caller's transaction. */
  async revokeSession(sessionId: string, reason: RevokeReason): Promise<boolean> {
    return this.db.transaction(async () => {
      const done = await this.sessions.revoke(sessionId, reason);
      if (done) await this.state.revoked([sessionId]);
      return done;
    });
  }

  /** Revokes every session of the user (optionally but one). Joins the caller's transaction. */
  async revokeAllOfUser(userId: string, reason: RevokeReason, exceptSessionId?: string): Promise<number> {
    return this.db.transaction(async () => {
      const ids = await this.sessions.revokeAllOfUser(userId, reason, exceptSessionId);
      await this.state.revoked(ids);
      return ids.length;
    });
  }

  /** The cheap per-request check behind every access token. */
  isLive(sessionId: string, userId: string): Promise<boolean> {
    return this.state.isLive(sessionId, userId);
  }

  /**
   * Expiry of a session (and of the refresh token issued with it) after sign-in or a refresh: the
   * refresh TTL from now (sliding), but never past the absolute lifetime counted from sign-in. The
   * access-token check reads the same expiry, so the session ends everywhere at that point.
   */
  private expiryOf(startedAt: Date): Date {
    return new Date(Math.min(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000, this.lifetimeEndOf(startedAt)));
  }

  /** Sessions created before the cap existed may carry a later expiry: the lifetime is checked as well. */
  private pastMaxLifetime(startedAt: Date): boolean {
    return this.lifetimeEndOf(startedAt) <= Date.now();
  }

  /** The absolute end of a session (ms epoch) that started at `startedAt`. */
  private lifetimeEndOf(startedAt: Date): number {
    return new Date(startedAt).getTime() + this.config.SESSION_MAX_LIFETIME_SECONDS * 1000;
  }
}

function newRefreshToken(): string {
  return REFRESH_PREFIX + randomBytes(32).toString('base64url');
}
