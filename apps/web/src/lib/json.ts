// JSON values as the console handles them: resource metadata, documents and the audit's patches.
// The API's schema leaves these open (`{[key: string]: unknown}`), so the SDK types them loosely;
// lib/api.ts narrows them to these at the one boundary where responses come in.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One RFC 6902 JSON Patch operation (a type, not an interface: it then fits `{[key: string]: unknown}`). */
export type PatchOp = {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
};
