export * from './canonical-json';
export * from './audit.service';
export * from './activity-log.service';
export * from './audit-core.module';
