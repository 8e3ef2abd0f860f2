import { Module } from '@nestjs/common';
import { ActivityLogService } from './activity-log.service';
import { AuditSigner } from './audit-signer';
import { AuditService } from './audit.service';

/** The audit writers (events, activity log, checkpoint signer): imported by every module that records. */
@Module({ providers: [AuditService, ActivityLogService, AuditSigner], exports: [AuditService, ActivityLogService, AuditSigner] })
export class AuditCoreModule {}
