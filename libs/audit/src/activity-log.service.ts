import { Injectable } from '@nestjs/common';
import { RequestContext } from '@avn/common';
import { newId } from '@avn/database';
import { ActivityLogRepository } from './repositories/activity-log.repository';

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
  constructor(private readonly activity: ActivityLogRepository) {}

  async record(input: ActivityInput): Promise<void> {
    await this.activity.insert({
      id: newId(),
      userId: input.userId ?? null,
      userEmail: input.userEmail ?? null,
      teamId: input.teamId ?? null,
      productId: input.productId ?? null,
      action: input.action,
      ip: RequestContext.current()?.ip ?? null,
    });
  }
}
