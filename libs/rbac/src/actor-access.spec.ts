import { DomainError, teamPowers, TeamPowers, UserActor } from '@avn/common';
import { assertMayManageRole, assertMayUsePrivileges } from './actor-access';

const limited: TeamPowers = { unrestricted: false, privileges: new Set(['team.roles:write', 'team:read']) };
const owner: TeamPowers = { unrestricted: true, privileges: new Set() };

describe('privilege-escalation guard', () => {
  it('lets owners and platform admins manage any role', () => {
    expect(() => assertMayManageRole(owner, { code: 'team_owner', team_id: null }, [])).not.toThrow();
    expect(() => assertMayUsePrivileges(owner, ['team:delete'])).not.toThrow();
  });

  it('refuses team_owner to anyone else, whatever privileges they hold', () => {
    expect(() => assertMayManageRole(limited, { code: 'team_owner', team_id: null }, [])).toThrow(DomainError);
  });

  it('refuses roles or privileges beyond what the actor holds (403)', () => {
    try {
      assertMayManageRole(limited, { code: 'deleter', team_id: 't' }, ['team:read', 'team:delete']);
      throw new Error('expected a refusal');
    } catch (e) {
      expect(e).toMatchObject({ status: 403 });
      expect((e as Error).message).toContain('team:delete');
    }
    expect(() => assertMayUsePrivileges(limited, ['team:read', 'team.members:write'])).toThrow(DomainError);
  });

  it('allows a team_owner look-alike code of a team role and subsets of held privileges', () => {
    expect(() => assertMayManageRole(limited, { code: 'reader', team_id: 't' }, ['team:read'])).not.toThrow();
    expect(() => assertMayUsePrivileges(limited, [])).not.toThrow();
  });
});

describe('teamPowers (the resolved Actor, read for one team)', () => {
  const team = '0190a0b0-0000-7000-8000-000000000001';
  const member: UserActor = {
    kind: 'user',
    userId: 'u',
    platformAdmin: false,
    team: { teamId: team, owner: false, privileges: new Set(['team:read']) },
  };

  it('gives a member the privileges the guard resolved for the route team', () => {
    expect(teamPowers(member, team.toUpperCase())).toEqual({ unrestricted: false, privileges: new Set(['team:read']) });
  });

  it('makes owners and platform admins unrestricted', () => {
    expect(teamPowers({ ...member, team: { ...member.team!, owner: true } }, team).unrestricted).toBe(true);
    expect(teamPowers({ kind: 'user', userId: 'a', platformAdmin: true }, team).unrestricted).toBe(true);
  });

  it('refuses a team the guard did not resolve (never answers from nothing)', () => {
    expect(() => teamPowers(member, '0190a0b0-0000-7000-8000-000000000002')).toThrow(DomainError);
    expect(() => teamPowers({ kind: 'user', userId: 'u', platformAdmin: false }, team)).toThrow(DomainError);
  });
});
