export * from './rbac.module';
export * from './teams.service';
export * from './membership.service';
export * from './role-assignments.service';
export * from './roles.service';
export * from './platform-admins.service';
export * from './user-access.reader';
export { assertMayManageRole, assertMayUsePrivileges } from './actor-access';
export { TEAM_OWNER, PLATFORM_ADMIN, SYSTEM_ROLE_CODES } from './roles.repository';
