import type { CliCommand } from '../cli-command';
import { migrateCommand } from './migrate.command';
import { encryptionRotateCommand } from './encryption-rotate.command';
import { auditVerifyCommand } from './audit-verify.command';
import { retentionRunCommand } from './retention-run.command';
import { backupCommand } from './backup.command';
import { restoreCommand } from './restore.command';
import { backupDrillCommand } from './backup-drill.command';
import { keysRotateCommand } from './keys-rotate.command';

/** Every operator command. Each capability adds its command file and one line here. */
export const commands: CliCommand[] = [
  migrateCommand,
  encryptionRotateCommand,
  keysRotateCommand,
  auditVerifyCommand,
  retentionRunCommand,
  backupCommand,
  restoreCommand,
  backupDrillCommand,
];
