import { Injectable } from '@nestjs/common';
import { RequestContext } from '@avn/common';
import { DatabaseService, newId } from '@avn/database';

export interface ActivityInput {
  userId?: string | null;
  userEmail?: string | null;
  teamId?: string | null;
  productId?: string | null;
  action: string;
}

/** User activity (logins, team switches, invitation acceptance...), kept RETENTION_DAYS. */
@Injectable()
export class ActivityLogService {
  constructor(private readonly db: DatabaseService) {}

  async record(input: ActivityInput): Promise<void> {
    await this.db.query(
      `INSERT INTO aventian_audit.activity_log (id, user_id, user_email, team_id, product_id, action, ip)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        newId(),
        input.userId ?? null,
        input.userEmail ?? null,
        input.teamId ?? null,
        input.productId ?? null,
        input.action,
        RequestContext.current()?.ip ?? null,
      ],
    );
  }
}
