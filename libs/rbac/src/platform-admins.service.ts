import { Injectable } from '@nestjs/common';
import { AuditService } from '@avn/audit';
import { DatabaseService } from '@avn/database';
import { PlatformAdminsRepository } from './platform-admins.repository';

/** Who holds platform_admin. Today only the bootstrap step grants it (see apps/api BootstrapAdminService). */
@Injectable()
export class PlatformAdminsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly admins: PlatformAdminsRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Runs `provision` and makes the account it returns the first platform admin — unless a platform
   * admin already exists, then nothing happens (undefined). Serialised across instances by an
   * advisory lock; the grant is recorded on the platform audit chain in the same transaction.
   */
  async bootstrapFirst<T extends { userId: string }>(provision: () => Promise<T>): Promise<T | undefined> {
    return this.db.asPlatform(async () => {
      await this.admins.lockBootstrap();
      if (await this.admins.anyExists()) return undefined;
      const account = await provision();
      if (await this.admins.grant(account.userId)) {
        await this.audit.record({
          action: 'platform_admin.granted',
          targetType: 'user',
          targetId: account.userId,
          data: { reason: 'bootstrap' },
          actorType: 'system',
          actorId: null,
        });
      }
      return account;
    });
  }
}
