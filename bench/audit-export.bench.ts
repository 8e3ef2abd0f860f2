/**
 * Audit export benchmark: seeds N audit events (default 1,000,000) set-based into a fresh database
 * under a dedicated bench team, then streams GET /v1/audit/events/export (NDJSON, then CSV) over a
 * real socket and reports rows/s, MB/s and RSS sampled every 50 ms during each export.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/audit-export.bench.ts [rows] [--backup]
 *
 * --verify=N also writes N events through AuditService.record (a real chain) and times audit verification.
 * --backup also times an encrypted backup of the seeded database and its restore (RPO/RTO input).
 *
 * Bench rows carry synthetic hashes (digest of the seq), not a real chain: the export does not
 * verify, and the bench team is separate from any real chain.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { newId } from '@avn/database';
import { SessionsService } from '@avn/identity';
import { AuditService, AuditVerifier, BackupService } from '@avn/audit';
import { createTestDatabase, startTestApp } from '@avn/testing';

const ROWS = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const WITH_BACKUP = process.argv.includes('--backup');
const VERIFY_EVENTS = Number(process.argv.find((a) => a.startsWith('--verify='))?.split('=')[1] ?? 0);
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const t = await startTestApp({ env: { LOG_LEVEL: 'silent' } });
  try {
    const owner = new Client({ connectionString: t.database!.url });
    owner.on('error', () => undefined); // the database is dropped WITH (FORCE) at the end
    await owner.connect();
    const adminId = newId();
    const teamId = newId();
    await owner.query(
      `INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name) VALUES ($1, 'bench@x.test', 'bench@x.test', 'Bench')`,
      [adminId],
    );
    await owner.query(
      `INSERT INTO aventian.tbl_platform_role_assignments (user_id, role_id) SELECT $1, id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'platform_admin'`,
      [adminId],
    );
    let started = Date.now();
    await owner.query(
      `INSERT INTO aventian_audit.audit_events (id, team_id, seq, ts, actor_id, actor_type, action, target_type, target_id, data, request_id, ip, prev_hash, hash)
       SELECT aventian.uuidv7(), $1::uuid, g, now() - make_interval(secs => ($2 - g) / 1000.0), $3, 'user',
              (ARRAY['team.renamed','role.granted','member.removed','subscription.created'])[1 + g % 4], 'team', $1::uuid::text,
              jsonb_build_object('i', g, 'note', 'bench, "quoted"'), 'req-' || g, '203.0.113.' || (g % 250),
              CASE WHEN g > 1 THEN digest((g - 1)::text, 'sha256') END, digest(g::text, 'sha256')
         FROM generate_series(1, $2::bigint) g`,
      [teamId, ROWS, adminId],
    );
    await owner.query(`ANALYZE aventian_audit.audit_events`);
    await owner.end();
    console.log(`seeded ${ROWS} events in ${Date.now() - started} ms`);

    const { accessToken } = await t.api.app.get(SessionsService, { strict: false }).issueTokens(adminId);
    const port = (t.api.app.getHttpServer().address() as AddressInfo).port;

    for (const format of ['ndjson', 'csv'] as const) {
      global.gc?.();
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      let peakHeap = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 50);
      started = Date.now();
      const { bytes, lines, status } = await new Promise<{ bytes: number; lines: number; status: number }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path: `/v1/audit/events/export?format=${format}&teamId=${teamId}`,
            headers: { authorization: `Bearer ${accessToken}` },
          },
          (res) => {
            let bytes = 0;
            let lines = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
            });
            res.on('end', () => resolve({ bytes, lines, status: res.statusCode ?? 0 }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end();
      });
      clearInterval(sampler);
      const seconds = (Date.now() - started) / 1000;
      const rows = format === 'csv' ? lines - 1 : lines; // CSV: header line; note field has no raw newline
      console.log(
        `${format}: HTTP ${status}, ${rows} rows, ${mb(bytes)} MiB in ${seconds.toFixed(1)} s → ${Math.round(rows / seconds)} rows/s, ${mb(bytes / seconds)} MiB/s; ` +
          `RSS baseline ${mb(baseline)} MiB, peak ${mb(peak)} MiB (+${mb(peak - baseline)} MiB), peak heap used ${mb(peakHeap)} MiB`,
      );
      if (rows !== ROWS) throw new Error(`expected ${ROWS} rows, got ${rows}`);
    }

    if (VERIFY_EVENTS > 0) {
      const audit = t.api.app.get(AuditService);
      const chainTeam = newId();
      started = Date.now();
      for (let done = 0; done < VERIFY_EVENTS; done += 20) {
        await Promise.all(
          Array.from({ length: Math.min(20, VERIFY_EVENTS - done) }, (_, i) =>
            t.db.transaction(() =>
              audit.record({ teamId: chainTeam, action: 'bench.verify', data: { i: done + i, note: 'x'.repeat(40) } }),
            ),
          ),
        );
      }
      const writeMs = Date.now() - started;
      console.log(
        `recorded ${VERIFY_EVENTS} chained events (20 concurrent writers) in ${(writeMs / 1000).toFixed(1)} s → ${Math.round(VERIFY_EVENTS / (writeMs / 1000))} events/s`,
      );
      started = Date.now();
      const r = await t.api.app.get(AuditVerifier).verify(chainTeam);
      const ms = Date.now() - started;
      console.log(
        `verified ${r.checked} events (ok=${r.ok}) in ${(ms / 1000).toFixed(1)} s → ${Math.round(r.checked / (ms / 1000))} events/s`,
      );
    }

    if (WITH_BACKUP) {
      // RPO/RTO figures: encrypted backup of this database, then restore into an empty one.
      const backups = t.api.app.get(BackupService);
      const b = await backups.backup();
      console.log(`backup: ${mb(b.bytes)} MiB encrypted in ${(b.durationMs / 1000).toFixed(1)} s`);
      const target = await createTestDatabase('avn_bench_restore');
      try {
        const r = await backups.restore(b.key, target.url);
        console.log(`restore into an empty database: ${(r.durationMs / 1000).toFixed(1)} s`);
      } finally {
        await target.drop();
      }
    }
  } finally {
    await t.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
