import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';
import type { UserRow, UserStatus } from './user-record';

const COLUMNS = 'id, email, display_name, locale, status, password_hash, created_at';

/** SQL for aventian.tbl_users (not team-scoped: no RLS). */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DatabaseService) {}

  findById(id: string): Promise<UserRow | undefined> {
    return this.db.queryOne<UserRow>(`SELECT ${COLUMNS} FROM aventian.tbl_users WHERE id = $1`, [id]);
  }

  findByNormalizedEmail(emailNormalized: string): Promise<UserRow | undefined> {
    return this.db.queryOne<UserRow>(`SELECT ${COLUMNS} FROM aventian.tbl_users WHERE email_normalized = $1`, [emailNormalized]);
  }

  /** Returns undefined when the e-mail is taken (ON CONFLICT keeps the caller's transaction usable). */
  insert(row: {
    id: string;
    email: string;
    emailNormalized: string;
    displayName: string;
    locale: string;
    passwordHash: string | null;
  }): Promise<UserRow | undefined> {
    return this.db.queryOne<UserRow>(
      `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name, locale, password_hash, password_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (email_normalized) DO NOTHING
       RETURNING ${COLUMNS}`,
      [row.id, row.email, row.emailNormalized, row.displayName, row.locale, row.passwordHash],
    );
  }

  async updateProfile(id: string, patch: { displayName?: string; locale?: string }): Promise<UserRow | undefined> {
    return this.db.queryOne<UserRow>(
      `UPDATE aventian.tbl_users
          SET display_name = coalesce($2, display_name), locale = coalesce($3, locale)
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, patch.displayName ?? null, patch.locale ?? null],
    );
  }

  async setPasswordHash(id: string, hash: string): Promise<void> {
    await this.db.query(`UPDATE aventian.tbl_users SET password_hash = $2, password_changed_at = now() WHERE id = $1`, [id, hash]);
  }

  /** Re-hash after login: only replaces the hash that was verified (a concurrent password change wins). */
  async replaceHashIfUnchanged(id: string, oldHash: string, newHash: string): Promise<void> {
    await this.db.query(`UPDATE aventian.tbl_users SET password_hash = $3 WHERE id = $1 AND password_hash = $2`, [id, oldHash, newHash]);
  }

  async setStatus(id: string, status: UserStatus): Promise<UserRow | undefined> {
    return this.db.queryOne<UserRow>(
      `UPDATE aventian.tbl_users
          SET status = $2, disabled_at = CASE WHEN $2 = 'disabled' THEN coalesce(disabled_at, now()) ELSE NULL END
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, status],
    );
  }

  async touchLastLogin(id: string): Promise<void> {
    await this.db.query(`UPDATE aventian.tbl_users SET last_login_at = now() WHERE id = $1`, [id]);
  }

  /** Keyset page by id (UUIDv7: creation order). `emailPrefix` matches the normalised e-mail. */
  list(options: { afterId?: string; limit: number; email?: string }): Promise<UserRow[]> {
    return this.db.query<UserRow>(
      `SELECT ${COLUMNS} FROM aventian.tbl_users
        WHERE ($1::uuid IS NULL OR id > $1::uuid)
          AND ($2::text IS NULL OR email_normalized LIKE $2::text ESCAPE '\\')
        ORDER BY id LIMIT $3`,
      [options.afterId ?? null, options.email === undefined ? null : `${escapeLike(options.email)}%`, options.limit],
    );
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
