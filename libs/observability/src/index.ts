export * from './metrics.service';
export * from './logger-options';
