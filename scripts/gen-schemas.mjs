#!/usr/bin/env node
// Writes the JSON Schema of every user-facing document kind to schemas/<kind>.schema.json,
// generated from the same zod schemas the code validates with (run after tsc). Core's kinds,
// plus the kinds owned by planner (scenarios), scheduler (profiles) and observability (alerts).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const root = new URL("..", import.meta.url).pathname;
const load = (pkg) => import(join(root, `packages/${pkg}/dist/index.js`));
const core = await load("core");
const planner = await load("planner");
const scheduler = await load("scheduler");
const observability = await load("observability");

const schemas = {};
for (const kind of [...Object.keys(core.DOCUMENT_SCHEMAS), ...Object.keys(core.MODEL_SCHEMAS)]) schemas[kind] = core.jsonSchemaFor(kind);
Object.assign(schemas, planner.scenarioJsonSchemas());
const toJson = (s) => z.toJSONSchema(s, { io: "input", unrepresentable: "any" });
schemas.SchedulerProfile = toJson(scheduler.SchedulerProfileSchema);
schemas.AlertRules = toJson(observability.AlertRules);

const dir = join(root, "schemas");
mkdirSync(dir, { recursive: true });
for (const [kind, schema] of Object.entries(schemas)) {
  const file = join(dir, `${kind.toLowerCase()}.schema.json`);
  const text = `${JSON.stringify({ $id: `aidc/v1/${kind}`, title: `aidc ${kind}`, ...schema }, null, 2)}\n`;
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
}
