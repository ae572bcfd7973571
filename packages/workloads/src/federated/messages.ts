import { AidcError } from "@aidc/core";

/**
 * What a site sends the coordinator, as bytes (the byte counts reported by the bench are these messages' sizes).
 * Header: "AFED", version 1, kind, site, round, dim, count (7 × uint32, little-endian). Payload:
 *  - "sparse": count × uint32 index, count × float32 value (a plain update touches only its shard's n-grams);
 *  - "masked": dim × uint32 (a masked fixed-point vector is dense: every entry carries masks);
 *  - "dense": dim × float64 (plain counts, exact up to 2^53).
 */
export type MessageKind = "sparse" | "masked" | "dense";
const KINDS: readonly MessageKind[] = ["sparse", "masked", "dense"];
const MAGIC = 0x44454641; // "AFED" read as little-endian uint32
const HEADER = 28;

export interface SiteMessage {
  readonly kind: MessageKind;
  readonly site: number;
  readonly round: number;
  readonly dim: number;
  /** sparse: Float64Array of the dense vector (zeros dropped when encoding); masked: Uint32Array; dense: Float64Array. */
  readonly values: Float64Array | Uint32Array | Float32Array;
}

export function encodeMessage(m: SiteMessage): Uint8Array {
  const kind = KINDS.indexOf(m.kind);
  let count = m.dim;
  let payload: number;
  if (m.kind === "sparse") {
    count = 0;
    for (let i = 0; i < m.dim; i++) if ((m.values[i] ?? 0) !== 0) count++;
    payload = count * 8;
  } else payload = m.kind === "masked" ? m.dim * 4 : m.dim * 8;
  const buf = new ArrayBuffer(HEADER + payload);
  const view = new DataView(buf);
  [MAGIC, 1, kind, m.site, m.round, m.dim, count].forEach((x, i) => view.setUint32(i * 4, x, true));
  if (m.kind === "sparse") {
    let k = 0;
    for (let i = 0; i < m.dim; i++) {
      const x = m.values[i] ?? 0;
      if (x === 0) continue;
      view.setUint32(HEADER + k * 4, i, true);
      view.setFloat32(HEADER + count * 4 + k * 4, x, true);
      k++;
    }
  } else if (m.kind === "masked") {
    for (let i = 0; i < m.dim; i++) view.setUint32(HEADER + i * 4, m.values[i] ?? 0, true);
  } else {
    for (let i = 0; i < m.dim; i++) view.setFloat64(HEADER + i * 8, m.values[i] ?? 0, true);
  }
  return new Uint8Array(buf);
}

function corrupt(why: string): AidcError {
  return new AidcError("FEDERATED_MESSAGE_CORRUPT", `federated site message is corrupt: ${why}`);
}

export function decodeMessage(bytes: Uint8Array): SiteMessage {
  if (bytes.length < HEADER) throw corrupt(`${bytes.length} bytes, shorter than the ${HEADER}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = Array.from({ length: 7 }, (_, i) => view.getUint32(i * 4, true));
  const [magic, version, kindIx, site, round, dim, count] = h as [number, number, number, number, number, number, number];
  if (magic !== MAGIC || version !== 1) throw corrupt("bad magic or version");
  const kind = KINDS[kindIx];
  if (!kind) throw corrupt(`unknown kind ${kindIx}`);
  const expected = kind === "sparse" ? count * 8 : kind === "masked" ? dim * 4 : dim * 8;
  if (bytes.length !== HEADER + expected) throw corrupt(`${bytes.length} bytes, expected ${HEADER + expected}`);
  if (kind === "masked") {
    const values = new Uint32Array(dim);
    for (let i = 0; i < dim; i++) values[i] = view.getUint32(HEADER + i * 4, true);
    return { kind, site, round, dim, values };
  }
  const values = new Float64Array(dim);
  if (kind === "dense") {
    for (let i = 0; i < dim; i++) values[i] = view.getFloat64(HEADER + i * 8, true);
  } else {
    for (let k = 0; k < count; k++) {
      const j = view.getUint32(HEADER + k * 4, true);
      if (j >= dim) throw corrupt(`index ${j} beyond dim ${dim}`);
      values[j] = view.getFloat32(HEADER + count * 4 + k * 4, true);
    }
  }
  return { kind, site, round, dim, values };
}
