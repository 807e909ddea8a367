// The app's operations: the .graphql files in src/graphql/ and its subfolders. check-operations.mjs
// checks these and codegen.ts generates their types: one list for both, so that no operation is
// checked without types or typed without a check.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OPERATIONS_DIR = fileURLToPath(new URL('../src/graphql', import.meta.url));

/** The .graphql files in `dir` and its subfolders, as absolute paths, sorted. */
export function operationFiles(dir = OPERATIONS_DIR) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.graphql'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}
