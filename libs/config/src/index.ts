export * from './app-config';
export * from './deployment-settings';
export * from './load-config';
export * from './config.module';
export * from './cron';
