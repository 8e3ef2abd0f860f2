import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Client } from 'pg';

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/**
 * libpq environment for a URL: the password never appears on a command line (ps) or in a log.
 */
export function libpqEnv(url: string, ssl: boolean): NodeJS.ProcessEnv {
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = {
    PGHOST: decodeURIComponent(u.hostname) || 'localhost',
    PGPORT: u.port || '5432',
    PGDATABASE: decodeURIComponent(u.pathname.replace(/^\//, '')),
    PGUSER: decodeURIComponent(u.username) || undefined,
    PGPASSWORD: u.password ? decodeURIComponent(u.password) : undefined,
    PGSSLMODE: ssl ? 'require' : (u.searchParams.get('sslmode') ?? undefined),
    PGCONNECT_TIMEOUT: '10',
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** Runs pg_dump/pg_restore; `exited` rejects with the tool's (bounded) stderr on a non-zero exit. */
export function runPgTool(cmd: string, args: string[], env: NodeJS.ProcessEnv, stdin?: boolean) {
  const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString('utf8');
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => reject(new BackupError(`${cmd} could not start: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new BackupError(`${cmd} exited with ${code}: ${stderr.trim().slice(0, 2000)}`)),
    );
  });
  return { child, exited };
}

export function pgClient(url: string, ssl: boolean): Client {
  return new Client({ connectionString: url, ssl: ssl ? { rejectUnauthorized: false } : undefined });
}

export async function readAllText(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
