import { decodeJwt } from 'jose';
import { startTestApp, TestApp } from '@avn/testing';
import { bearer, expectErrorShape, signup } from './helpers';

/**
 * Concurrent refreshes of one refresh token (two tabs, a retried request): exactly one wins, the
 * others get 409 CONFLICT without tokens, and the session survives; a real replay still revokes it.
 */
describe('identity: concurrent refresh', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  const refresh = (refreshToken: string) => t.http.post('/v1/auth/refresh').send({ refreshToken });

  it('answers one 200 and 409 CONFLICT to every concurrent loser; the winner carries on', async () => {
    for (let round = 0; round < 3; round++) {
      const u = await signup(t, `race${round}`);
      const results = await Promise.all(Array.from({ length: 6 }, () => refresh(u.refreshToken)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409, 409]);
      for (const loser of results.filter((r) => r.status === 409)) {
        expectErrorShape(loser.body, 409, 'CONFLICT');
        expect(loser.body.accessToken).toBeUndefined();
        expect(loser.body.refreshToken).toBeUndefined();
      }
      const winner = results.find((r) => r.status === 200)!;
      await t.http.get('/v1/me').set(bearer(winner.body.accessToken)).expect(200);
      await refresh(winner.body.refreshToken).expect(200);
      const session = await t.db.queryOne<{ status: string }>(`SELECT status FROM aventian.sessions WHERE id = $1`, [
        decodeJwt(u.accessToken).sid,
      ]);
      expect(session!.status).toBe('active');
    }
  });

  it('still treats an older token (not the one rotated into the current token) as a replay: 401 and the session is revoked', async () => {
    const u = await signup(t, 'replay');
    const r1 = await refresh(u.refreshToken).expect(200);
    await refresh(r1.body.refreshToken).expect(200);
    expectErrorShape((await refresh(u.refreshToken).expect(401)).body, 401, 'UNAUTHENTICATED');
    const session = await t.db.queryOne<{ status: string; revoke_reason: string }>(
      `SELECT status, revoke_reason FROM aventian.sessions WHERE id = $1`,
      [decodeJwt(u.accessToken).sid],
    );
    expect(session).toEqual({ status: 'revoked', revoke_reason: 'refresh_reuse' });
  });

  it('treats the just-rotated token as a replay once the grace period is over', async () => {
    const u = await signup(t, 'late');
    const r1 = await refresh(u.refreshToken).expect(200);
    await t.db.query(
      `UPDATE aventian.refresh_tokens SET rotated_at = now() - interval '1 minute' WHERE status = 'rotated' AND session_id = $1`,
      [decodeJwt(u.accessToken).sid],
    );
    await refresh(u.refreshToken).expect(401);
    await refresh(r1.body.refreshToken).expect(401);
  });
});
