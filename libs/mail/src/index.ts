export * from './mail-message';
export * from './mail-outbox';
export * from './transports';
export * from './mail.module';
