import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '@avn/config';
import { PasswordHasher } from '@avn/crypto';
import { DatabaseService, newId } from '@avn/database';

export interface BootstrapResult {
  /** Set only when this start created the admin. */
  created?: { email: string; generatedPassword?: string };
}

const EMBEDDED_ADMIN_EMAIL = 'admin@localhost';

/**
 * Creates the first platform admin on an empty installation: from AVN_BOOTSTRAP_ADMIN_EMAIL /
 * AVN_BOOTSTRAP_ADMIN_PASSWORD, or (embedded default only) admin@localhost with a random password
 * that is printed once. Idempotent: does nothing once any platform admin exists; a transaction
 * advisory lock keeps two instances starting together from racing.
 */
@Injectable()
export class BootstrapAdminService {
  private readonly logger = new Logger(BootstrapAdminService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly hasher: PasswordHasher,
  ) {}

  async run(): Promise<BootstrapResult> {
    const configured = this.config.AVN_BOOTSTRAP_ADMIN_EMAIL && this.config.AVN_BOOTSTRAP_ADMIN_PASSWORD;
    if (!configured && !this.config.isEmbeddedDatabase) return {};
    const email = configured ? this.config.AVN_BOOTSTRAP_ADMIN_EMAIL! : EMBEDDED_ADMIN_EMAIL;
    const generatedPassword = configured ? undefined : randomBytes(18).toString('base64url');
    const password = configured ? this.config.AVN_BOOTSTRAP_ADMIN_PASSWORD! : generatedPassword!;
    const passwordHash = await this.hasher.hash(password);

    return this.db.asPlatform(async () => {
      await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('aventian.bootstrap-admin'))`);
      const existing = await this.db.queryOne(
        `SELECT 1 FROM aventian.tbl_platform_role_assignments a
           JOIN aventian.tbl_roles r ON r.id = a.role_id AND r.code = 'platform_admin' AND r.team_id IS NULL
         LIMIT 1`,
      );
      if (existing) return {};
      const normalized = email.trim().toLowerCase();
      const user = await this.db.queryOne<{ id: string }>(
        `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name, password_hash, password_changed_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (email_normalized) DO UPDATE SET updated_at = aventian.tbl_users.updated_at
         RETURNING id`,
        [newId(), email.trim(), normalized, 'Platform admin', passwordHash],
      );
      await this.db.query(
        `INSERT INTO aventian.tbl_platform_role_assignments (id, user_id, role_id)
         SELECT $1, $2, r.id FROM aventian.tbl_roles r WHERE r.code = 'platform_admin' AND r.team_id IS NULL
         ON CONFLICT (user_id, role_id) DO NOTHING`,
        [newId(), user!.id],
      );
      this.logger.log(`created the first platform admin ${normalized}`);
      return { created: { email: normalized, generatedPassword } };
    });
  }
}
