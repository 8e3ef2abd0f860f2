import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface RefreshLookupRow {
  token_id: string;
  token_status: 'current' | 'rotated';
  token_expires_at: Date;
  /** True when the token was rotated less than `graceSeconds` ago into the session's current token
   *  (a concurrent refresh of the same token, not a replay). */
  token_just_rotated: boolean;
  session_id: string;
  session_status: 'active' | 'revoked';
  session_expires_at: Date;
  /** Sign-in time: the absolute lifetime counts from it. */
  session_started_at: Date;
  user_id: string;
  user_status: 'active' | 'disabled';
  active_team_id: string | null;
}

/** SQL for aventian.sessions and aventian.refresh_tokens (per user, not team-scoped: no RLS). */
@Injectable()
export class SessionsRepository {
  constructor(private readonly db: DatabaseService) {}

  async insertSession(row: {
    id: string;
    userId: string;
    activeTeamId: string | null;
    expiresAt: Date;
    ip: string | null;
    userAgent: string | null;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.sessions (id, user_id, active_team_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6)`,
      [row.id, row.userId, row.activeTeamId, row.expiresAt, row.ip, row.userAgent],
    );
  }

  async insertRefreshToken(row: { id: string; sessionId: string; hash: Buffer; expiresAt: Date }): Promise<void> {
    await this.db.query(`INSERT INTO aventian.refresh_tokens (id, session_id, token_hash, expires_at) VALUES ($1, $2, $3, $4)`, [
      row.id,
      row.sessionId,
      row.hash,
      row.expiresAt,
    ]);
  }

  /** Finds a refresh token with its session and user, locking the session row (serialises refreshes of one family). */
  findRefreshForUpdate(hash: Buffer, graceSeconds = 0): Promise<RefreshLookupRow | undefined> {
    return this.db.queryOne<RefreshLookupRow>(
      `SELECT rt.id AS token_id, rt.status AS token_status, rt.expires_at AS token_expires_at,
              (rt.status = 'rotated' AND rt.rotated_at > now() - make_interval(secs => $2)
                 AND NOT EXISTS (SELECT 1 FROM aventian.refresh_tokens later
                                  WHERE later.session_id = rt.session_id AND later.status = 'rotated' AND later.id > rt.id)
              ) AS token_just_rotated,
              s.id AS session_id, s.status AS session_status, s.expires_at AS session_expires_at,
              s.created_at AS session_started_at,
              s.user_id, u.status AS user_status, s.active_team_id
         FROM aventian.refresh_tokens rt
         JOIN aventian.sessions s ON s.id = rt.session_id
         JOIN aventian.tbl_users u ON u.id = s.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF s`,
      [hash, graceSeconds],
    );
  }

  lockSession(sessionId: string): Promise<{ id: string; user_id: string; live: boolean; started_at: Date } | undefined> {
    return this.db.queryOne(
      `SELECT s.id, s.user_id, s.created_at AS started_at, (s.status = 'active' AND s.expires_at > now() AND u.status = 'active') AS live
         FROM aventian.sessions s JOIN aventian.tbl_users u ON u.id = s.user_id
        WHERE s.id = $1 FOR UPDATE OF s`,
      [sessionId],
    );
  }

  async rotateCurrentTokens(sessionId: string): Promise<void> {
    await this.db.query(
      `UPDATE aventian.refresh_tokens SET status = 'rotated', rotated_at = now() WHERE session_id = $1 AND status = 'current'`,
      [sessionId],
    );
  }

  /** False when the token is no longer current (a concurrent refresh rotated it first). */
  async markRotated(tokenId: string): Promise<boolean> {
    const result = await this.db.execute(
      `UPDATE aventian.refresh_tokens SET status = 'rotated', rotated_at = now() WHERE id = $1 AND status = 'current' RETURNING id`,
      [tokenId],
    );
    return result.rows.length > 0;
  }

  async touchSession(sessionId: string, patch: { activeTeamId: string | null; expiresAt: Date }): Promise<void> {
    await this.db.query(`UPDATE aventian.sessions SET active_team_id = $2, expires_at = $3, last_refreshed_at = now() WHERE id = $1`, [
      sessionId,
      patch.activeTeamId,
      patch.expiresAt,
    ]);
  }

  /** Session owner and state for the access-token check when the cache cannot answer. */
  liveness(sessionId: string): Promise<{ user_id: string; live: boolean } | undefined> {
    return this.db.queryOne<{ user_id: string; live: boolean }>(
      `SELECT s.user_id, (s.status = 'active' AND s.expires_at > now() AND u.status = 'active') AS live
         FROM aventian.sessions s JOIN aventian.tbl_users u ON u.id = s.user_id
        WHERE s.id = $1`,
      [sessionId],
    );
  }

  findSession(sessionId: string): Promise<{ id: string; user_id: string; status: string } | undefined> {
    return this.db.queryOne(`SELECT id, user_id, status FROM aventian.sessions WHERE id = $1`, [sessionId]);
  }

  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const result = await this.db.execute(
      `UPDATE aventian.sessions SET status = 'revoked', revoked_at = now(), revoke_reason = $2
        WHERE id = $1 AND status = 'active' RETURNING id`,
      [sessionId, reason],
    );
    return result.rows.length > 0;
  }

  /** Revokes every live session of the user (except one) and returns their ids. */
  async revokeAllOfUser(userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE aventian.sessions SET status = 'revoked', revoked_at = now(), revoke_reason = $2
        WHERE user_id = $1 AND status = 'active' AND ($3::uuid IS NULL OR id <> $3::uuid) RETURNING id`,
      [userId, reason, exceptSessionId ?? null],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes up to `limit` sessions that ended (expired or revoked) more than `graceDays` ago; returns how many. */
  async deleteEnded(graceDays: number, limit: number): Promise<number> {
    const r = await this.db.execute(
      `DELETE FROM aventian.sessions WHERE id IN (
         SELECT id FROM aventian.sessions
          WHERE expires_at < now() - make_interval(days => $1) OR (status = 'revoked' AND revoked_at < now() - make_interval(days => $1))
          LIMIT $2)`,
      [graceDays, limit],
    );
    return r.rowCount;
  }

  /** Deletes up to `limit` rotated refresh tokens past their expiry (no longer needed for reuse detection). */
  async deleteExpiredRotatedTokens(limit: number): Promise<number> {
    const r = await this.db.execute(
      `DELETE FROM aventian.refresh_tokens WHERE id IN (
         SELECT id FROM aventian.refresh_tokens WHERE status = 'rotated' AND expires_at < now() LIMIT $1)`,
      [limit],
    );
    return r.rowCount;
  }
}
