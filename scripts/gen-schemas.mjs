#!/usr/bin/env node
// Writes the JSON Schema of every user-facing document kind to schemas/<kind>.schema.json,
// generated from the same zod schemas the code validates with (run after tsc).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const { DOCUMENT_SCHEMAS, MODEL_SCHEMAS, jsonSchemaFor } = await import(join(root, "packages/core/dist/index.js"));
const dir = join(root, "schemas");
mkdirSync(dir, { recursive: true });
for (const kind of [...Object.keys(DOCUMENT_SCHEMAS), ...Object.keys(MODEL_SCHEMAS)]) {
  const schema = { $id: `aidc/v1/${kind}`, title: `aidc ${kind}`, ...jsonSchemaFor(kind) };
  const file = join(dir, `${kind.toLowerCase()}.schema.json`);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}
