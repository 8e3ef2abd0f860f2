/**
 * RBAC at scale: seeds a fresh database on the local PostgreSQL with set-based SQL
 * (generate_series) and measures the hot reads through the runtime app role (RLS applies):
 *   - listing members of a big team (first page and a deep keyset page),
 *   - resolving one user's privileges in a team (`teamAccess`, the guard's per-request lookup).
 * Prints p50/p99 and EXPLAIN (ANALYZE, BUFFERS) of each.
 *
 *   npx ts-node -r tsconfig-paths/register --transpile-only bench/rbac.bench.ts
 *
 * Env: RBAC_BENCH_SCALE (default 1 = 10,000 teams / 100,000 users / ~1,000,000 role assignments),
 *      RBAC_BENCH_ITERATIONS (default 2000), RBAC_BENCH_KEEP_DB=1 to keep the database.
 */
import { Client } from 'pg';
import { findMigrationsDir, MigrationRunner, readMigrations } from '@avn/database';
import { MEMBERS_PAGE_SQL } from '../libs/rbac/src/members.repository';
import { createTestDatabase } from '../test/support/test-env';

const SCALE = Number(process.env.RBAC_BENCH_SCALE ?? '1');
const ITERATIONS = Number(process.env.RBAC_BENCH_ITERATIONS ?? '2000');
const APP_ROLE = 'aventian_app';
const TEAMS = Math.round(10_000 * SCALE);
const USERS = Math.round(100_000 * SCALE);
const BIG_TEAM_MEMBERS = Math.round(50_000 * SCALE); // one large tenant: deep member pages
const TEAMS_PER_USER = 9;
const SECOND_ROLE_MEMBERS = Math.round(50_000 * SCALE);

const TEAM_ACCESS_SQL = `SELECT is_owner, privileges FROM aventian.rbac_team_access($1::uuid, $2::uuid)`;

async function timed(label: string, client: Client, sql: string): Promise<void> {
  const t0 = process.hrtime.bigint();
  await client.query(sql);
  console.log(`  ${label.padEnd(44)} ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
}

/** Set-based seed as the owner; triggers and FK checks are skipped (session_replication_role) for speed. */
async function seed(owner: Client): Promise<void> {
  const uid = (expr: string) => `md5('u' || (${expr}))::uuid`;
  const tid = (expr: string) => `md5('t' || (${expr}))::uuid`;
  const rid = (team: string, k: string) => `md5('r' || (${team}) || '-' || (${k}))::uuid`;
  console.log(`seeding: ${TEAMS} teams, ${USERS} users, big team of ${BIG_TEAM_MEMBERS}, ${TEAMS_PER_USER} teams per user`);
  await owner.query(`SET session_replication_role = replica`);
  await timed(
    'users',
    owner,
    `
    INSERT INTO aventian.tbl_users (id, email, email_normalized, display_name)
    SELECT ${uid('i')}, 'user' || i || '@bench.test', 'user' || i || '@bench.test', 'User ' || i
      FROM generate_series(0, ${USERS - 1}) i`,
  );
  await timed(
    'teams',
    owner,
    `
    INSERT INTO aventian.tbl_teams (id, name) SELECT ${tid('i')}, 'Team ' || i FROM generate_series(0, ${TEAMS - 1}) i`,
  );
  // 5 custom roles per team, privileges drawn from the platform set.
  await timed(
    'roles (5 per team)',
    owner,
    `
    INSERT INTO aventian.tbl_roles (id, team_id, code, name)
    SELECT ${rid('i', 'k')}, ${tid('i')}, 'role' || k, 'Role ' || k
      FROM generate_series(0, ${TEAMS - 1}) i, generate_series(0, 4) k`,
  );
  await timed(
    'role privileges (3 per role)',
    owner,
    `
    INSERT INTO aventian.tbl_role_privileges (role_id, privilege_id, team_id)
    SELECT ${rid('i', 'k')}, p.id, ${tid('i')}
      FROM generate_series(0, ${TEAMS - 1}) i, generate_series(0, 4) k,
           LATERAL (SELECT id FROM aventian.tbl_privileges WHERE product_id IS NULL ORDER BY code OFFSET k * 2 LIMIT 3) p`,
  );
  // Memberships: the big team 0, plus each user in TEAMS_PER_USER distinct teams among 1..TEAMS-1.
  await timed(
    'memberships',
    owner,
    `
    INSERT INTO aventian.tbl_team_members (team_id, user_id)
    SELECT ${tid('0')}, ${uid('u')} FROM generate_series(0, ${BIG_TEAM_MEMBERS - 1}) u
    UNION ALL
    SELECT ${tid(`1 + ((u * 7 + k * ${Math.floor((TEAMS - 1) / TEAMS_PER_USER)}) % ${TEAMS - 1})`)}, ${uid('u')}
      FROM generate_series(0, ${USERS - 1}) u, generate_series(0, ${TEAMS_PER_USER - 1}) k`,
  );
  await timed(
    'role assignments (one per membership)',
    owner,
    `
    INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
    SELECT m.team_id, m.user_id, md5('r' || t.n || '-' || (abs(hashtext(m.user_id::text)) % 5))::uuid
      FROM aventian.tbl_team_members m
      JOIN (SELECT ${tid('i')} AS id, i AS n FROM generate_series(0, ${TEAMS - 1}) i) t ON t.id = m.team_id`,
  );
  await timed(
    'second roles in the big team',
    owner,
    `
    INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
    SELECT ${tid('0')}, ${uid('u')}, ${rid('0', '((u % 5) + 1) % 5')}
      FROM generate_series(0, ${SECOND_ROLE_MEMBERS - 1}) u
    ON CONFLICT DO NOTHING`,
  );
  await timed(
    'team owners (lowest member id per team)',
    owner,
    `
    INSERT INTO aventian.tbl_member_roles (team_id, user_id, role_id)
    SELECT DISTINCT ON (m.team_id) m.team_id, m.user_id, (SELECT id FROM aventian.tbl_roles WHERE team_id IS NULL AND code = 'team_owner')
      FROM aventian.tbl_team_members m ORDER BY m.team_id, m.user_id`,
  );
  await owner.query(`SET session_replication_role = origin`);
  await timed('VACUUM ANALYZE', owner, `VACUUM ANALYZE`);
  const counts = await owner.query(`
    SELECT (SELECT count(*) FROM aventian.tbl_teams) teams, (SELECT count(*) FROM aventian.tbl_users) users,
           (SELECT count(*) FROM aventian.tbl_team_members) memberships, (SELECT count(*) FROM aventian.tbl_member_roles) role_assignments,
           (SELECT count(*) FROM aventian.tbl_roles) roles, (SELECT count(*) FROM aventian.tbl_role_privileges) role_privileges`);
  console.log('  rows:', counts.rows[0]);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `fn` ITERATIONS times (after a warm-up) and prints p50/p99 in ms. */
async function measure(label: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 50; i++) await fn(i);
  const samples: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(52)} p50 ${percentile(samples, 50).toFixed(3)} ms   p99 ${percentile(samples, 99).toFixed(3)} ms   (n=${ITERATIONS})`,
  );
}

/** A transaction in the team's RLS scope, as DatabaseService.inTeam does it. */
async function inTeam<T>(app: Client, teamId: string, fn: () => Promise<T>): Promise<T> {
  await app.query('BEGIN');
  try {
    await app.query(`SELECT set_config('app.team_id', $1, true), set_config('app.user_id', '', true), set_config('app.scope', '', true)`, [
      teamId,
    ]);
    const result = await fn();
    await app.query('COMMIT');
    return result;
  } catch (e) {
    await app.query('ROLLBACK');
    throw e;
  }
}

async function explain(app: Client, teamId: string, sql: string, params: unknown[]): Promise<void> {
  const plan = await inTeam(app, teamId, () => app.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params));
  console.log(plan.rows.map((r: Record<string, string>) => '    ' + r['QUERY PLAN']).join('\n'));
}

async function main(): Promise<void> {
  const db = await createTestDatabase('avn_bench');
  console.log(`database ${db.name}`);
  const owner = new Client({ connectionString: db.url });
  const app = new Client({ connectionString: db.url, options: `-c role=${APP_ROLE}` });
  try {
    await owner.connect();
    const t0 = Date.now();
    await new MigrationRunner(
      { query: async (sql, params) => (await owner.query(sql, params)).rows },
      { appRole: APP_ROLE, embedded: false, log: () => undefined },
    ).run(readMigrations(findMigrationsDir()));
    console.log(`migrated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const s0 = Date.now();
    await seed(owner);
    console.log(`seeded in ${((Date.now() - s0) / 1000).toFixed(1)} s`);

    await app.connect();
    const bigTeam = (await owner.query(`SELECT md5('t0')::uuid AS id`)).rows[0].id as string;
    const smallTeam = (await owner.query(`SELECT md5('t42')::uuid AS id`)).rows[0].id as string;
    const deepCursor = (
      await owner.query(`SELECT user_id FROM aventian.tbl_team_members WHERE team_id = $1 ORDER BY user_id OFFSET $2 LIMIT 1`, [
        bigTeam,
        Math.floor(BIG_TEAM_MEMBERS * 0.8),
      ])
    ).rows[0].user_id as string;
    const probes = (await owner.query(`SELECT team_id, user_id FROM aventian.tbl_team_members TABLESAMPLE SYSTEM (1) LIMIT 1000`))
      .rows as Array<{ team_id: string; user_id: string }>;
    const stranger = (await owner.query(`SELECT md5('u1')::uuid AS id`)).rows[0].id as string;

    console.log(`\nlatency through the app role (one client, round trip included):`);
    await measure(`members, first page of ${BIG_TEAM_MEMBERS} (limit 50)`, () =>
      inTeam(app, bigTeam, () => app.query(MEMBERS_PAGE_SQL, [bigTeam, null, 51])),
    );
    await measure(`members, deep page (after 80%, limit 50)`, () =>
      inTeam(app, bigTeam, () => app.query(MEMBERS_PAGE_SQL, [bigTeam, deepCursor, 51])),
    );
    await measure('members, first page of a ~90-member team', () =>
      inTeam(app, smallTeam, () => app.query(MEMBERS_PAGE_SQL, [smallTeam, null, 51])),
    );
    await measure('teamAccess (member, random (user, team) pairs)', (i) => {
      const p = probes[i % probes.length];
      return app.query(TEAM_ACCESS_SQL, [p.user_id, p.team_id]);
    });
    await measure('teamAccess (non-member: answers no row)', () => app.query(TEAM_ACCESS_SQL, [stranger, smallTeam]));

    console.log(`\nEXPLAIN members first page (big team):`);
    await explain(app, bigTeam, MEMBERS_PAGE_SQL, [bigTeam, null, 51]);
    console.log(`\nEXPLAIN members deep page (big team):`);
    await explain(app, bigTeam, MEMBERS_PAGE_SQL, [bigTeam, deepCursor, 51]);
    // The function body is inlined neither by EXPLAIN nor by the planner (SECURITY DEFINER); explain its
    // statement directly as the owner to see the plan it runs.
    console.log(`\nEXPLAIN teamAccess body (as owner):`);
    const fnBody = (await owner.query(`SELECT prosrc FROM pg_proc WHERE proname = 'rbac_team_access'`)).rows[0].prosrc as string;
    const p = probes[0];
    const plan = await owner.query(`EXPLAIN (ANALYZE, BUFFERS) ${fnBody.replace(/p_user/g, '$1::uuid').replace(/p_team/g, '$2::uuid')}`, [
      p.user_id,
      p.team_id,
    ]);
    console.log(plan.rows.map((r: Record<string, string>) => '    ' + r['QUERY PLAN']).join('\n'));
  } finally {
    await app.end().catch(() => undefined);
    await owner.end().catch(() => undefined);
    if (process.env.RBAC_BENCH_KEEP_DB !== '1') await db.drop();
    else console.log(`kept database ${db.name}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
