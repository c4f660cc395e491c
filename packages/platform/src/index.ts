export * from './broadcast.ts';
export * from './clock.ts';
export * from './config.ts';
export * from './logger.ts';
export * from './rate-limiter.ts';
export * from './redis.ts';
