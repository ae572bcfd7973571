import type { ArtifactStores } from "../port-artifacts.js";
import { SqliteArtifactStore } from "./artifacts.js";
import type { SqliteDb } from "./db.js";
import { SqliteProjectStore } from "./projects.js";
import { SqlitePublicModelStore, SqliteServedStore } from "./served.js";
import { SqliteUploadStore } from "./uploads.js";

/** The artifact area's stores over one SQLite file (the SqliteStore aggregate spreads these in). */
export function sqliteArtifactStores(db: SqliteDb): ArtifactStores {
  return {
    artifacts: new SqliteArtifactStore(db),
    projects: new SqliteProjectStore(db),
    uploads: new SqliteUploadStore(db),
    served: new SqliteServedStore(db),
    publicModels: new SqlitePublicModelStore(db),
  };
}
