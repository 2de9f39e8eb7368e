/**
 * Prints the code-first schema as SDL. `--write` updates schema/schema.graphql,
 * `--check` exits 1 when the file is stale (CI and `npm run schema:check`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from './schema.js';

export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema', 'schema.graphql');

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const mode = process.argv[2];
  const sdl = printedSchema();
  if (mode === '--write') {
    writeFileSync(SCHEMA_FILE, sdl);
    console.log(`wrote ${SCHEMA_FILE}`);
  } else if (mode === '--check') {
    let current = '';
    try {
      current = readFileSync(SCHEMA_FILE, 'utf8');
    } catch {
      // missing file: stale
    }
    if (current !== sdl) {
      console.error('schema/schema.graphql is stale: run `npm run schema:print` and commit the result');
      process.exit(1);
    }
    console.log('schema/schema.graphql is up to date');
  } else {
    process.stdout.write(sdl);
  }
}
