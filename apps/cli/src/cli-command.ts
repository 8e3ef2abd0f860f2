import type { INestApplicationContext } from '@nestjs/common';
import type { AppConfig } from '@avn/config';

export interface CliContext {
  config: AppConfig;
  /** Nest application context with every module of the API (no HTTP server). Created on demand. */
  app(): Promise<INestApplicationContext>;
  out(line: string): void;
}

/** One operator command: `npm run cli -- <name> [args]`. */
export interface CliCommand {
  name: string;
  description: string;
  usage?: string;
  /** Returns the process exit code. */
  run(args: string[], ctx: CliContext): Promise<number>;
}
