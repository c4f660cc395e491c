export * from './access.ts';
export * from './common.ts';
export * from './resources.ts';
export * from './users.ts';
