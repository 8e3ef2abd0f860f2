import { Injectable } from '@nestjs/common';
import { DatabaseService, newId } from '@avn/database';

/** SQL for aventian.tbl_oauth_identities (not team-scoped). */
@Injectable()
export class OAuthIdentitiesRepository {
  constructor(private readonly db: DatabaseService) {}

  findUserId(provider: string, subject: string): Promise<string | undefined> {
    return this.db
      .queryOne<{ user_id: string }>(`SELECT user_id FROM aventian.tbl_oauth_identities WHERE provider = $1 AND subject = $2`, [
        provider,
        subject,
      ])
      .then((r) => r?.user_id);
  }

  async link(provider: string, subject: string, userId: string, email: string | null): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian.tbl_oauth_identities (id, provider, subject, user_id, email, last_login_at) VALUES ($1, $2, $3, $4, $5, now())`,
      [newId(), provider, subject, userId, email],
    );
  }

  async touch(provider: string, subject: string, email: string | null): Promise<void> {
    await this.db.query(
      `UPDATE aventian.tbl_oauth_identities SET last_login_at = now(), email = coalesce($3, email) WHERE provider = $1 AND subject = $2`,
      [provider, subject, email],
    );
  }
}
