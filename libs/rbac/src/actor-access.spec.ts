import { DomainError } from '@avn/common';
import { Actor, assertMayManageRole, assertMayUsePrivileges } from './actor-access';

const limited: Actor = { userId: 'u', unrestricted: false, owner: false, privileges: new Set(['team.roles:write', 'team:read']) };
const owner: Actor = { userId: 'o', unrestricted: true, owner: true, privileges: new Set() };

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
