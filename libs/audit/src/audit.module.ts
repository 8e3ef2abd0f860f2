import { Module } from '@nestjs/common';
import { AuditArchiver } from './audit-archiver';
import { AuditController } from './audit.controller';
import { AuditQueryService } from './audit-query.service';
import { AuditVerifier } from './audit-verifier';
import { BackupService } from './backup.service';
import { objectStoreFactory, ObjectStore } from './object-store';
import { RetentionScheduler } from './retention.scheduler';
import { RetentionService } from './retention.service';

/** Audit HTTP API (query, export, verify), retention job, archives and backups. */
@Module({
  controllers: [AuditController],
  providers: [objectStoreFactory, AuditQueryService, AuditVerifier, AuditArchiver, RetentionService, RetentionScheduler, BackupService],
  exports: [ObjectStore, AuditQueryService, AuditVerifier, AuditArchiver, RetentionService, BackupService],
})
export class AuditModule {}
