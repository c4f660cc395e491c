export * from './access.ts';
export * from './audit.ts';
export * from './common.ts';
export * from './events.ts';
export * from './resources.ts';
export * from './users.ts';
