import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { PublicModelStore, ServedStore } from "../store/port-artifacts.js";

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
  private readonly served: ServedStore;
  private readonly flags: PublicModelStore;

  constructor(
    store: { readonly served: ServedStore; readonly publicModels: PublicModelStore },
    private readonly root: string,
  ) {
    this.served = store.served;
    this.flags = store.publicModels;
  }

  async isPublic(name: string): Promise<boolean> {
    if (!NAME.test(name)) return false;
    if ((await this.served.binding(name)) !== undefined) return this.flags.isPublic(name);
    const file = join(this.root, name, "serving.json");
    if (!existsSync(join(this.root, name, "manifest.json")) || !existsSync(file)) return false;
    try {
      return (JSON.parse(readFileSync(file, "utf8")) as { public?: unknown }).public === true;
    } catch {
      return false; // an unreadable serving.json opens nothing
    }
  }

  /** Mark a promoted name public or private (with who did it, in the event log). */
  set(name: string, open: boolean, by: string, atMs: number): Promise<void> {
    return this.flags.set(name, open, by, atMs);
  }
}

/** The visibility of a server's served models (`<data-dir>/models`). */
export function modelVisibility(ctx: {
  store: { readonly served: ServedStore; readonly publicModels: PublicModelStore };
  modelsDir: string;
}): ModelVisibility {
  return new ModelVisibility(ctx.store, ctx.modelsDir);
}
