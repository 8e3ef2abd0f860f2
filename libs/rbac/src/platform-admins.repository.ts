import { Injectable } from '@nestjs/common';
import { DatabaseService, newId } from '@avn/database';
import { PLATFORM_ADMIN } from './roles.repository';

/** SQL for aventian.tbl_platform_role_assignments (platform-wide: no team, no RLS). */
@Injectable()
export class PlatformAdminsRepository {
  constructor(private readonly db: DatabaseService) {}

  /** Transaction-scoped lock: instances starting together bootstrap one after the other. */
  async lockBootstrap(): Promise<void> {
    await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('aventian.bootstrap-admin'))`);
  }

  async anyExists(): Promise<boolean> {
    const row = await this.db.queryOne(
      `SELECT 1 FROM aventian.tbl_platform_role_assignments a
         JOIN aventian.tbl_roles r ON r.id = a.role_id AND r.code = '${PLATFORM_ADMIN}' AND r.team_id IS NULL
       LIMIT 1`,
    );
    return row !== undefined;
  }

  /** Idempotent; true when the assignment is new. */
  async grant(userId: string): Promise<boolean> {
    const r = await this.db.execute(
      `INSERT INTO aventian.tbl_platform_role_assignments (id, user_id, role_id)
       SELECT $1, $2, r.id FROM aventian.tbl_roles r WHERE r.code = '${PLATFORM_ADMIN}' AND r.team_id IS NULL
       ON CONFLICT (user_id, role_id) DO NOTHING`,
      [newId(), userId],
    );
    return r.rowCount > 0;
  }
}
