import type { BlobStore } from "./blobs.js";

/**
 * Records a blob the caller just committed (and so holds): `record` adds the artifact version that names it.
 * Whatever happens the hold is let go; when the record is refused (a quota, a permission, a lost race) the
 * blob goes too unless another version already names the same bytes.
 */
export async function recordCommittedBlob<T>(
  o: { store: { artifacts: { isBlobUsed(sha256: string): Promise<boolean> } }; blobs: BlobStore },
  sha256: string,
  record: () => Promise<T>,
): Promise<T> {
  let made: T;
  try {
    made = await record();
  } catch (err) {
    o.blobs.release(sha256);
    const unused = async (): Promise<boolean> => !(await o.store.artifacts.isBlobUsed(sha256));
    if (await unused()) await o.blobs.remove(sha256, unused);
    throw err;
  }
  o.blobs.release(sha256);
  return made;
}
