export * from './object-store';
export * from './file-object-store';
export * from './s3-object-store';
export * from './gcs-object-store';
export * from './create-object-store';
export * from './storage.module';
