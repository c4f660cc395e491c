export { type SelectQueryBuilder, sql, type Transaction } from 'kysely';
export * from './database.ts';
export * from './migrator.ts';
export { prepared } from './prepared-statements.ts';
export * from './schema.ts';
