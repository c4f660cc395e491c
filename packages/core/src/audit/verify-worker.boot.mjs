// Worker threads start outside the parent's module hooks: load TypeScript through tsx, like the CLI's bin.
import { register } from 'tsx/esm/api';

register();
await import('./verify-worker.ts');
