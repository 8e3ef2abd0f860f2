import { Injectable } from '@nestjs/common';
import { UserAccess, UserAccessReader } from '@avn/common';
import { AccessRepository } from './access.repository';

/** RBAC's implementation of the AuthGuard's UserAccessReader port (one statement per request). */
@Injectable()
export class RbacUserAccessReader extends UserAccessReader {
  constructor(private readonly repo: AccessRepository) {
    super();
  }

  async read(userId: string, teamId?: string): Promise<UserAccess> {
    const row = await this.repo.read(userId, teamId ?? null);
    const access: UserAccess = { platformAdmin: row.platform_admin };
    if (teamId !== undefined && row.is_owner !== null) {
      access.team = { teamId: teamId.toLowerCase(), owner: row.is_owner, privileges: new Set(row.privileges ?? []) };
    }
    return access;
  }
}
