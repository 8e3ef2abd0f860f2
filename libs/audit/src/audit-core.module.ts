import { Module } from '@nestjs/common';
import { ActivityLogService } from './activity-log.service';
import { AuditSigner } from './audit-signer';
import { AuditService } from './audit.service';
import { ActivityLogRepository } from './repositories/activity-log.repository';
import { AuditCheckpointsRepository } from './repositories/audit-checkpoints.repository';
import { AuditEventsRepository } from './repositories/audit-events.repository';

const repositories = [AuditEventsRepository, AuditCheckpointsRepository, ActivityLogRepository];

/** The audit writers (events, activity log, checkpoint signer): imported by every module that records. */
@Module({
  providers: [...repositories, AuditService, ActivityLogService, AuditSigner],
  exports: [...repositories, AuditService, ActivityLogService, AuditSigner],
})
export class AuditCoreModule {}
