export * from './database-context';
export * from './database.service';
export * from './database.module';
export * from './migration-runner';
export * from './open-database';
export * from './uuid';
export * from './connection-errors';
export * from './advisory-lock';
