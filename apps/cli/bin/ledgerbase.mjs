#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, like the server: packages ship their source, no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
