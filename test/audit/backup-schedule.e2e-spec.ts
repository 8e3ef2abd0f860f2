import { BackupScheduler, BackupService } from '@avn/audit';
import { rmSync } from 'node:fs';
import { startTestApp, TestApp } from '@avn/testing';

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const metric = (body: string, name: string): number | undefined => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
};

describe('scheduled backups (BACKUP_SCHEDULE)', () => {
  let a: TestApp;
  let b: TestApp | undefined;
  const objectDir = `/tmp/avn-sched-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    // Every 2 seconds (cron with a seconds field), two instances sharing a database and a store.
    a = await startTestApp({ env: { BACKUP_SCHEDULE: '*/2 * * * * *', OBJECT_STORE_URL: `file://${objectDir}` } });
    b = await startTestApp({ database: a.database, env: { BACKUP_SCHEDULE: '*/2 * * * * *', OBJECT_STORE_URL: `file://${objectDir}` } });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    rmSync(objectDir, { recursive: true, force: true });
  });

  it('runs on schedule and sets avn_backup_last_success_timestamp_seconds', async () => {
    const before = Math.floor(Date.now() / 1000) - 1;
    const stamp = await eventually(async () => {
      const res = await a.http.get('/metrics');
      const v = metric(res.text, 'avn_backup_last_success_timestamp_seconds');
      return v !== undefined && v >= before ? v : undefined;
    });
    expect(stamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const res = await a.http.get('/metrics');
    expect(metric(res.text, 'avn_backup_schedule_enabled')).toBe(1);
    expect(res.text).toMatch(/^avn_backup_duration_seconds_count \d+$/m);
    expect(metric(res.text, 'avn_backup_failures_total')).toBe(0);
    expect((await a.api.app.get(BackupService).list()).length).toBeGreaterThan(0);
  });

  it('one instance runs each slot: the other skips it', async () => {
    const slot = new Date(Date.now() + 60_000); // a future slot no timer has reached
    const outcomes = await Promise.all([a.api.app.get(BackupScheduler).runSlot(slot), b!.api.app.get(BackupScheduler).runSlot(slot)]);
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped_locked' || o === 'skipped_done')).toHaveLength(1);
  });

  it('stops with the application: shutdown clears the timer and waits for a running backup', async () => {
    const scheduler = b!.api.app.get(BackupScheduler);
    expect(scheduler.armed).toBe(true);
    const running = scheduler.runSlot(new Date(Date.now() + 120_000));
    await b!.close();
    b = undefined;
    expect(scheduler.armed).toBe(false);
    // The run that was in flight finished before close() returned.
    await expect(Promise.race([running, Promise.resolve('pending')])).resolves.not.toBe('pending');
  });
});
