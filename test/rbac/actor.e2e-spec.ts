import { UserAccessReader } from '@avn/common';
import { MembershipService } from '@avn/rbac';
import { startTestApp, TestApp } from '@avn/testing';
import { makePlatformAdmin, mintUser, TestUser } from './rbac-helpers';

/**
 * Authorization is decided once: on the real app, each request reads the caller's access once (in
 * the AuthGuard), whatever the route then does with the Actor (escalation checks, audit scope,
 * platform-admin views). The one deliberate exception is a write that changes who holds power in a
 * team: it repeats that read once under the team's row lock (LockedAccessCheck).
 */
describe('the Actor is resolved once per request', () => {
  let t: TestApp;
  let owner: TestUser;
  let manager: TestUser;
  let member: TestUser;
  let admin: TestUser;
  let team: string;
  let reads: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp();
    [owner, manager, member, admin] = await Promise.all(['owner', 'manager', 'member', 'admin'].map((l) => mintUser(t, `actor-${l}`)));
    await makePlatformAdmin(t, admin.id);
    team = (await t.http.post('/v1/teams').set(owner.auth).send({ name: 'Once' }).expect(201)).body.id;
    await t.http
      .post(`/v1/teams/${team}/roles`)
      .set(owner.auth)
      .send({ code: 'rm', name: 'RM', privileges: ['team.roles:write', 'team:read', 'team.audit:read'] })
      .expect(201);
    await t.http
      .post(`/v1/teams/${team}/roles`)
      .set(owner.auth)
      .send({ code: 'reader', name: 'R', privileges: ['team:read'] })
      .expect(201);
    const membership = t.api.app.get(MembershipService, { strict: false });
    await membership.addMember(team, manager.id, ['rm']);
    await membership.addMember(team, member.id, []);
    reads = jest.spyOn(t.api.app.get(UserAccessReader, { strict: false }), 'read');
  });
  afterAll(async () => {
    reads?.mockRestore();
    await t?.close();
  });

  const readsDuring = async (request: () => Promise<unknown>): Promise<unknown[][]> => {
    reads.mockClear();
    await request();
    return reads.mock.calls;
  };

  it('a role grant reads access in the guard and once more under the team lock, nowhere else', async () => {
    const calls = await readsDuring(() => t.http.post(`/v1/teams/${team}/members/${member.id}/roles/reader`).set(manager.auth).expect(201));
    expect(calls).toEqual([
      [manager.id, team],
      [manager.id, team],
    ]);
    // The escalation rule still applies on the resolved Actor: team_owner is not the manager's to give.
    const refused = await readsDuring(() =>
      t.http.post(`/v1/teams/${team}/members/${member.id}/roles/team_owner`).set(manager.auth).expect(403),
    );
    expect(refused).toHaveLength(2);
  });

  it('reading a team trail (team named in the query) reads access once', async () => {
    const calls = await readsDuring(() => t.http.get('/v1/audit/events').query({ teamId: team }).set(manager.auth).expect(200));
    expect(calls).toEqual([[manager.id, team]]);
    await t.http.get('/v1/audit/events').query({ teamId: team }).set(member.auth).expect(403);
  });

  it('platform-admin views read the flag once and no team', async () => {
    expect(await readsDuring(() => t.http.get('/v1/teams?all=true').set(admin.auth).expect(200))).toEqual([[admin.id, undefined]]);
    expect(await readsDuring(() => t.http.get('/v1/products').set(admin.auth).expect(200))).toEqual([[admin.id, undefined]]);
    await t.http.get('/v1/teams?all=true').set(member.auth).expect(403);
  });
});
