import type { DatabaseHandle } from './open-database';

/** Session advisory lock keys of the background jobs (one holder per database). */
export const JOB_LOCKS = {
  backup: 7_241_337_410,
  auditAnchors: 7_241_337_420,
} as const;

export type LockedRun<T> = { acquired: true; value: T } | { acquired: false };

/**
 * Runs `fn` while holding a session advisory lock on a dedicated connection, or not at all when
 * another session holds it (another instance is doing the job). PGlite is one in-process backend,
 * so one instance: no lock needed.
 */
export async function withJobLock<T>(handle: DatabaseHandle, key: number, fn: () => Promise<T>): Promise<LockedRun<T>> {
  if (handle.kind === 'pglite') return { acquired: true, value: await fn() };
  const runner = handle.dataSource.createQueryRunner();
  try {
    await runner.connect();
    const [row] = (await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS ok`, [key])) as { ok: boolean }[];
    if (!row?.ok) return { acquired: false };
    try {
      return { acquired: true, value: await fn() };
    } finally {
      await runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [key]).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}
