import { Global, Module } from '@nestjs/common';
import { ActivityLogService } from './activity-log.service';
import { AuditSigner } from './audit-signer';
import { AuditService } from './audit.service';

/** Writers every other module uses (global so no module imports the audit feature module). */
@Global()
@Module({ providers: [AuditService, ActivityLogService, AuditSigner], exports: [AuditService, ActivityLogService, AuditSigner] })
export class AuditCoreModule {}
