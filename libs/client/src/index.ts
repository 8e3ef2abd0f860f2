export * from './types';
export * from './errors';
export * from './client';
export * from './tokens';
export * from './authorizer';
export * from './middleware';
