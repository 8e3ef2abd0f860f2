import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { UserActor } from './actor';
import { AccessTokenVerifier, ProductKeyVerifier, UserAccess, UserAccessReader } from './auth-providers';
import { AuthGuard } from './auth.guard';
import { ActorRequest, AuthRequirement } from './authenticated.decorator';

const TEAM = '0190a0b0-0000-7000-8000-00000000000a';
const OTHER = '0190a0b0-0000-7000-8000-00000000000b';

class FakeTokens extends AccessTokenVerifier {
  verify(token: string) {
    return Promise.resolve(token.startsWith('user-') ? { kind: 'user' as const, userId: token.slice(5), sessionId: 's' } : null);
  }
}
class FakeKeys extends ProductKeyVerifier {
  verify(key: string) {
    return Promise.resolve(key === 'avn_pk_good' ? { kind: 'product' as const, productId: 'p', productCode: 'orders', keyId: 'k' } : null);
  }
}
/** Users: `admin` (platform admin), `owner` (owns TEAM), `reader` (team:read in TEAM), anyone else nothing. */
class FakeAccess extends UserAccessReader {
  readonly calls: Array<[string, string | undefined]> = [];
  read(userId: string, teamId?: string): Promise<UserAccess> {
    this.calls.push([userId, teamId]);
    const access: UserAccess = { platformAdmin: userId === 'admin' };
    if (teamId === TEAM && userId === 'owner') access.team = { teamId, owner: true, privileges: new Set() };
    if (teamId === TEAM && userId === 'reader') access.team = { teamId, owner: false, privileges: new Set(['team:read']) };
    return Promise.resolve(access);
  }
}

interface Call {
  token?: string;
  params?: Record<string, string>;
  query?: Record<string, unknown>;
}

function setup() {
  const access = new FakeAccess();
  const reflector = new Reflector();
  const guard = new AuthGuard(reflector, new FakeTokens(), new FakeKeys(), access);
  const run = async (requirement: AuthRequirement | undefined, call: Call) => {
    const request: ActorRequest & Record<string, unknown> = {
      headers: call.token ? { authorization: `Bearer ${call.token}` } : {},
      params: call.params ?? {},
      query: call.query ?? {},
    };
    jest.spyOn(reflector, 'getAllAndOverride').mockReturnValue(requirement);
    const context = {
      getType: () => 'http',
      getHandler: () => undefined,
      getClass: () => undefined,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    await guard.canActivate(context);
    return request.actor;
  };
  return { access, run };
}

describe('AuthGuard: one Actor per request', () => {
  it('resolves a user Actor in one read and attaches it (platform-admin flag always known)', async () => {
    const { access, run } = setup();
    const actor = (await run({}, { token: 'user-someone' })) as UserActor;
    expect(actor).toEqual({ kind: 'user', userId: 'someone', sessionId: 's', platformAdmin: false });
    expect(access.calls).toEqual([['someone', undefined]]);
  });

  it('resolves membership of the route team once and checks the privilege', async () => {
    const { access, run } = setup();
    const actor = (await run({ privilege: 'team:read' }, { token: 'user-reader', params: { teamId: TEAM.toUpperCase() } })) as UserActor;
    expect(actor.team).toEqual({ teamId: TEAM, owner: false, privileges: new Set(['team:read']) });
    expect(access.calls).toEqual([['reader', TEAM]]);
    await expect(run({ privilege: 'team:write' }, { token: 'user-reader', params: { teamId: TEAM } })).rejects.toMatchObject({
      status: 403,
    });
    const owner = (await run({ privilege: 'team:delete' }, { token: 'user-owner', params: { teamId: TEAM } })) as UserActor;
    expect(owner.team?.owner).toBe(true);
  });

  it('answers 404 (never 403) for other teams and for ids that cannot exist', async () => {
    const { run } = setup();
    await expect(run({ privilege: 'team:read' }, { token: 'user-reader', params: { teamId: OTHER } })).rejects.toMatchObject({
      status: 404,
    });
    await expect(run({ privilege: 'team:read' }, { token: 'user-reader', params: { teamId: 'nope' } })).rejects.toMatchObject({
      status: 404,
    });
    await expect(run({ privilege: 'team:read', teamParam: 'id' }, { token: 'user-reader', params: {} })).rejects.toMatchObject({
      status: 404,
    });
  });

  it('lets a platform admin through any team route without membership', async () => {
    const { run } = setup();
    const actor = (await run({ privilege: 'team:delete' }, { token: 'user-admin', params: { teamId: 'nope' } })) as UserActor;
    expect(actor).toMatchObject({ platformAdmin: true });
    expect(actor.team).toBeUndefined();
    await expect(run({ platformAdmin: true }, { token: 'user-reader' })).rejects.toMatchObject({ status: 403 });
    await expect(run({ platformAdmin: true }, { token: 'user-admin' })).resolves.toMatchObject({ platformAdmin: true });
  });

  it('names the team by a query parameter when the route says so (400 without it unless platform admin)', async () => {
    const { run } = setup();
    const req: AuthRequirement = { privilege: 'team:read', teamQuery: 'teamId' };
    await expect(run(req, { token: 'user-reader', query: { teamId: TEAM } })).resolves.toMatchObject({ team: { teamId: TEAM } });
    await expect(run(req, { token: 'user-reader', query: {} })).rejects.toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    await expect(run(req, { token: 'user-reader', query: { teamId: 'x' } })).rejects.toMatchObject({ status: 400 });
    await expect(run(req, { token: 'user-reader', query: { teamId: OTHER } })).rejects.toMatchObject({ status: 404 });
    await expect(run(req, { token: 'user-admin', query: {} })).resolves.toMatchObject({ platformAdmin: true });
  });

  it('attaches a product Actor for product routes only, and refuses bad credentials', async () => {
    const { access, run } = setup();
    await expect(run({ product: true }, { token: 'avn_pk_good' })).resolves.toMatchObject({ kind: 'product', productCode: 'orders' });
    await expect(run({}, { token: 'avn_pk_good' })).rejects.toMatchObject({ status: 403 });
    await expect(run({ product: true }, { token: 'avn_pk_bad' })).rejects.toMatchObject({ status: 401 });
    await expect(run({ user: false, product: true }, { token: 'user-reader' })).rejects.toMatchObject({ status: 403 });
    await expect(run({}, { token: 'garbage' })).rejects.toMatchObject({ status: 401 });
    await expect(run({}, {})).rejects.toMatchObject({ status: 401 });
    expect(access.calls).toEqual([]);
  });

  it('leaves public routes and optional routes without credentials alone', async () => {
    const { access, run } = setup();
    await expect(run({ public: true }, { token: 'garbage' })).resolves.toBeUndefined();
    await expect(run({ optional: true }, {})).resolves.toBeUndefined();
    await expect(run({ optional: true }, { token: 'user-reader' })).resolves.toMatchObject({ userId: 'reader' });
    expect(access.calls).toEqual([['reader', undefined]]);
  });
});
