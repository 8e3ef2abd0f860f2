import type { CliCommand } from '../cli-command';
import { migrateCommand } from './migrate.command';

/** Every operator command. Each capability adds its command file and one line here. */
export const commands: CliCommand[] = [migrateCommand];
