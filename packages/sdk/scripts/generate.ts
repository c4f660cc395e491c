// `npm run sdk:generate`: rewrites packages/sdk/openapi.json and src/schema.ts from the API's routes.
// Commit both; test/sdk-fresh.test.ts fails while they differ from what the code generates.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GENERATED_FILES, generateSdk, SDK_ROOT } from './generate-sdk.ts';

const files = await generateSdk();
for (const key of Object.keys(GENERATED_FILES) as Array<keyof typeof GENERATED_FILES>) {
  const file = path.join(SDK_ROOT, GENERATED_FILES[key]);
  writeFileSync(file, files[key]);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${Buffer.byteLength(files[key])} bytes)`);
}
