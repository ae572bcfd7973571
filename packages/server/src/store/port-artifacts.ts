/** Placeholder until the artifact area's port lands (H2 replaces this file). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ArtifactStores {}
