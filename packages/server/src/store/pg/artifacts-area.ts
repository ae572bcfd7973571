import type { ArtifactStores } from "../port-artifacts.js";
import { PgArtifactStore } from "./artifacts.js";
import type { PgDb } from "./db.js";
import { PgProjectStore } from "./projects.js";
import { PgPublicModelStore, PgServedStore } from "./served.js";
import { PgUploadStore } from "./uploads.js";

/** The artifact area's stores over one PostgreSQL pool (the PgStore aggregate spreads these in). */
export function pgArtifactStores(db: PgDb): ArtifactStores {
  return {
    artifacts: new PgArtifactStore(db),
    projects: new PgProjectStore(db),
    uploads: new PgUploadStore(db),
    served: new PgServedStore(db),
    publicModels: new PgPublicModelStore(db),
  };
}
