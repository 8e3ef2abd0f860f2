import { DatabaseService, newId } from '@avn/database';
import { startTestApp, TestApp } from '@avn/testing';

describe('DatabaseService transactions and RLS scope (real PostgreSQL)', () => {
  let t: TestApp;
  let db: DatabaseService;
  let teamA: string;
  let teamB: string;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.db;
    teamA = newId();
    teamB = newId();
    await db.inTeam(teamA, () => db.query(`INSERT INTO aventian.tbl_teams (id, name) VALUES ($1, 'A')`, [teamA]));
    await db.inTeam(teamB, () => db.query(`INSERT INTO aventian.tbl_teams (id, name) VALUES ($1, 'B')`, [teamB]));
  });
  afterAll(async () => {
    await t?.close();
  });

  const teamNames = () => db.query<{ name: string }>('SELECT name FROM aventian.tbl_teams ORDER BY name').then((r) => r.map((x) => x.name));

  it('shows only the scoped team, nothing without a scope, everything on platform scope', async () => {
    expect(await teamNames()).toEqual([]);
    expect(await db.inTeam(teamA, teamNames)).toEqual(['A']);
    expect(await db.asPlatform(teamNames)).toEqual(['A', 'B']);
  });

  it('refuses to write rows of another team than the scope (WITH CHECK)', async () => {
    await expect(db.inTeam(teamA, () => db.query(`INSERT INTO aventian.tbl_teams (id, name) VALUES ($1, 'C')`, [newId()]))).rejects.toThrow(
      /row-level security/,
    );
    const updated = await db.inTeam(teamA, () => db.execute(`UPDATE aventian.tbl_teams SET name = 'hacked' WHERE id = $1`, [teamB]));
    expect(updated.rowCount).toBe(0);
    expect(await db.asPlatform(teamNames)).toEqual(['A', 'B']);
  });

  it('joins nested calls to the outer transaction, switching and restoring the scope', async () => {
    const seen = await db.inTeam(teamA, async () => {
      const inner = await db.inTeam(teamB, teamNames);
      const after = await teamNames();
      const [{ same }] = await db.query<{ same: boolean }>(`SELECT txid_current() = txid_current() AS same`);
      return { inner, after, same };
    });
    expect(seen).toEqual({ inner: ['B'], after: ['A'], same: true });
  });

  it('rolls back everything on error and drops after-commit callbacks', async () => {
    const calls: string[] = [];
    await expect(
      db.inTeam(teamA, async () => {
        await db.query(`UPDATE aventian.tbl_teams SET name = 'renamed' WHERE id = $1`, [teamA]);
        await db.afterCommit(() => calls.push('after'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toEqual([]);
    expect(await db.inTeam(teamA, teamNames)).toEqual(['A']);
  });

  it('runs after-commit callbacks after COMMIT and before the transaction returns', async () => {
    const calls: string[] = [];
    const result = await db.inTeam(teamA, async () => {
      await db.afterCommit(async () => {
        // Another connection already sees the committed change.
        calls.push((await db.inTeam(teamA, teamNames))[0]);
      });
      await db.query(`UPDATE aventian.tbl_teams SET name = 'A2' WHERE id = $1`, [teamA]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(calls).toEqual(['A2']);
  });
});

describe('DatabaseService concurrency inside one transaction', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serialises concurrently issued statements of one transaction on its connection', async () => {
    const order = await t.db.asPlatform(async () => {
      await t.db.query('CREATE TEMP TABLE seen (n int) ON COMMIT DROP');
      await Promise.all([1, 2, 3, 4, 5].map((n) => t.db.query('INSERT INTO seen VALUES ($1)', [n])));
      return t.db.query<{ n: number }>('SELECT n FROM seen');
    });
    expect(order.map((r) => r.n).sort()).toEqual([1, 2, 3, 4, 5]);
  });
});
