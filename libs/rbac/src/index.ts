export * from './rbac.module';
export * from './teams.service';
export * from './membership.service';
export * from './role-assignments.service';
export * from './roles.service';
export * from './team-access.checker';
export { TEAM_OWNER, PLATFORM_ADMIN, SYSTEM_ROLE_CODES } from './roles.repository';
