import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SqliteStore } from "../store/sqlite.js";
import { ServedModels } from "../artifacts/served.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Which served models answer predictions without a token. A model is private (any token may
 * predict) unless its registration marks it public: `"public": true` in the promotion
 * (`POST /api/v1/models/{name}/promote`), kept for the name until it is released; or, for a
 * package an operator put in `<models>/<name>/`, `"public": true` in its `serving.json`. A
 * promoted name shadows a folder package of the same name, its flag too. Public opens only that
 * model's prediction and metadata routes (access.ts), nothing else.
 */
export class ModelVisibility {
  private readonly served: ServedModels;

  constructor(
    private readonly store: SqliteStore,
    private readonly root: string,
  ) {
    this.served = new ServedModels(store, root);
  }

  isPublic(name: string): boolean {
    if (!NAME.test(name)) return false;
    if (this.served.binding(name) !== undefined)
      return this.store.prepare("SELECT 1 FROM public_models WHERE name = ?").get(name) !== undefined;
    const file = join(this.root, name, "serving.json");
    if (!existsSync(join(this.root, name, "manifest.json")) || !existsSync(file)) return false;
    try {
      return (JSON.parse(readFileSync(file, "utf8")) as { public?: unknown }).public === true;
    } catch {
      return false; // an unreadable serving.json opens nothing
    }
  }

  /** Mark a promoted name public or private (with who did it, in the event log). */
  set(name: string, open: boolean, by: string, atMs: number): void {
    this.store.db.transaction(() => {
      if (open)
        this.store
          .prepare("INSERT INTO public_models (name, set_by, set_at_ms) VALUES (?, ?, ?) ON CONFLICT(name) DO NOTHING")
          .run(name, by, atMs);
      else this.store.prepare("DELETE FROM public_models WHERE name = ?").run(name);
      this.store.insertEvent(atMs, open ? "model.public" : "model.private", `model/${name}`, { by });
    })();
  }

  /** A released name forgets its flag (a later promotion starts private). */
  forget(name: string): void {
    this.store.prepare("DELETE FROM public_models WHERE name = ?").run(name);
  }
}

/** The visibility of a server's served models (`<data-dir>/models`). */
export function modelVisibility(ctx: { store: SqliteStore; modelsDir: string }): ModelVisibility {
  return new ModelVisibility(ctx.store, ctx.modelsDir);
}
