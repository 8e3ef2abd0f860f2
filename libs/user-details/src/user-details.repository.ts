import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@avn/database';

export interface UserDetailsRow {
  /** The response body, JSON text built by PostgreSQL. */
  details: string;
  /** Live teams the user belongs to and roles feeding the answer: the entry's cache dependencies. */
  teamIds: string[];
  roleIds: string[];
}

/**
 * One round trip per miss: `aventian.user_details` (migration 0500) is a SECURITY DEFINER function,
 * so this runs as a single autocommit statement with no platform-scope transaction around it.
 */
@Injectable()
export class UserDetailsRepository {
  constructor(private readonly db: DatabaseService) {}

  async load(userId: string, productId: string): Promise<UserDetailsRow | undefined> {
    const [row] = await this.db.queryPrepared<{ details: string; team_ids: string[]; role_ids: string[] }>(
      'avn_user_details',
      'SELECT details, team_ids, role_ids FROM aventian.user_details($1, $2)',
      [userId, productId],
    );
    return row && { details: row.details, teamIds: row.team_ids, roleIds: row.role_ids };
  }
}
