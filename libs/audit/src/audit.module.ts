import { Module } from '@nestjs/common';
import { StorageModule } from '@avn/storage';
import { AuditCoreModule } from './audit-core.module';
import { AuditArchiver } from './audit-archiver';
import { AuditController } from './audit.controller';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifier } from './audit-verifier';
import { AuditAnchorScheduler } from './audit-anchor.scheduler';
import { AuditAnchors } from './audit-anchors';
import { BackupScheduler } from './backup.scheduler';
import { AuditAnchorsRepository } from './repositories/audit-anchors.repository';
import { BackupService } from './backup.service';
import { RetentionScheduler } from './retention.scheduler';
import { RetentionService } from './retention.service';
import { AuditArchivesRepository } from './repositories/audit-archives.repository';
import { RetentionRepository } from './repositories/retention.repository';

/** Audit HTTP API (query, export, verify), retention job, archives and backups. */
@Module({
  imports: [StorageModule, AuditCoreModule],
  controllers: [AuditController],
  providers: [
    AuditArchivesRepository,
    RetentionRepository,
    AuditQueryService,
    AuditVerifier,
    AuditArchiver,
    RetentionService,
    RetentionScheduler,
    BackupService,
    BackupScheduler,
    AuditAnchorsRepository,
    AuditAnchors,
    AuditAnchorScheduler,
  ],
  exports: [
    StorageModule,
    AuditQueryService,
    AuditVerifier,
    AuditArchiver,
    RetentionService,
    BackupService,
    BackupScheduler,
    AuditAnchors,
    AuditAnchorScheduler,
  ],
})
export class AuditModule {}
