export * from './app.ts';
export * from './container.ts';
