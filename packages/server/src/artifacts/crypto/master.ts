import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { AidcError, InvalidInputError } from "@aidc/core";

/** A data key is refused: missing, wrapped by a master that is not loaded, or failing to unwrap. */
export class BlobKeyError extends AidcError {
  constructor(message: string) {
    super("BLOB_KEY_MISSING", message);
  }
}

/** AES-256: 32-byte keys. GCM's 96-bit nonce and 128-bit tag (NIST SP 800-38D §5.2.1.1, §5.2.1.2). */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/**
 * A master key: it only wraps data keys, never touches blob bytes. Its id is a hash of the key
 * (domain-separated, so it says nothing usable about the key): the store records which master wraps
 * each data key, several masters coexist during a rotation, and a wrong key file is recognised
 * before anything is written.
 */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

export function masterKeyId(key: Buffer): string {
  return `mk-${createHash("sha256").update("aidc master key id v1\0").update(key).digest("hex").slice(0, 16)}`;
}

/**
 * Read a master key file: 32 raw bytes, or 64 hex digits, or base64 of 32 bytes (a trailing newline
 * is fine). Generate one with `openssl rand -out master.key 32` or `openssl rand -hex 32 > master.key`.
 * The file must not be readable by group or others (like ssh's private keys): a key anyone on the
 * host can read protects nothing. `field` names the flag or variable in errors.
 */
export function loadMasterKey(path: string, field = "masterKeyFile"): MasterKey {
  let raw: Buffer;
  let mode: number;
  try {
    mode = statSync(path).mode;
    raw = readFileSync(path);
  } catch (err) {
    throw new InvalidInputError(`Cannot read the master key file "${path}"`, [
      { code: "invalid_value", path: field, message: `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` },
    ]);
  }
  if ((mode & 0o077) !== 0) {
    throw new InvalidInputError(`The master key file "${path}" is readable by others`, [
      { code: "invalid_value", path: field, message: `its mode is ${(mode & 0o777).toString(8)}; run chmod 600 on it` },
    ]);
  }
  const key = parseKey(raw);
  if (key === undefined) {
    throw new InvalidInputError(`The master key file "${path}" holds no 256-bit key`, [
      {
        code: "invalid_value",
        path: field,
        message: `expected 32 raw bytes, 64 hex digits or base64 of 32 bytes (got ${raw.length} bytes)`,
      },
    ]);
  }
  return { id: masterKeyId(key), key };
}

function parseKey(raw: Buffer): Buffer | undefined {
  if (raw.length === KEY_BYTES) return Buffer.from(raw);
  const text = raw.toString("latin1").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, "base64");
  return undefined;
}

/** What a wrapping is bound to: the blob it belongs to and the master's id (a row moved to another blob fails). */
function wrapAad(sha256: string, keyId: string): Buffer {
  return Buffer.from(`aidc data key v1\0${sha256}\0${keyId}`, "utf8");
}

/** nonce ‖ ciphertext ‖ tag of a data key under a master key, AES-256-GCM. */
export function wrapDataKey(master: MasterKey, sha256: string, dataKey: Buffer): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv("aes-256-gcm", master.key, nonce);
  c.setAAD(wrapAad(sha256, master.id));
  const ct = Buffer.concat([c.update(dataKey), c.final()]);
  return Buffer.concat([nonce, ct, c.getAuthTag()]);
}

export function unwrapDataKey(master: MasterKey, sha256: string, wrapped: Buffer): Buffer {
  if (wrapped.length !== NONCE_BYTES + KEY_BYTES + TAG_BYTES)
    throw new BlobKeyError(`The data key of blob ${sha256} is malformed (${wrapped.length} bytes); the blob is not served`);
  const d = createDecipheriv("aes-256-gcm", master.key, wrapped.subarray(0, NONCE_BYTES));
  d.setAAD(wrapAad(sha256, master.id));
  d.setAuthTag(wrapped.subarray(NONCE_BYTES + KEY_BYTES));
  try {
    return Buffer.concat([d.update(wrapped.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), d.final()]);
  } catch {
    throw new BlobKeyError(
      `The data key of blob ${sha256} does not unwrap under master ${master.id} (tampered row or wrong key file); the blob is not served`,
    );
  }
}

/**
 * The master keys a process holds: the active one wraps new data keys; the others (a rotation's old
 * key, while servers still run with it) only unwrap.
 */
export class Keyring {
  private readonly byId: Map<string, MasterKey>;

  constructor(
    readonly active: MasterKey,
    others: readonly MasterKey[] = [],
  ) {
    this.byId = new Map([active, ...others].map((k) => [k.id, k]));
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  get(id: string): MasterKey | undefined {
    return this.byId.get(id);
  }

  /** A new random data key for `sha256`, and its wrapping under the active master. */
  newDataKey(sha256: string): { dataKey: Buffer; wrapped: Buffer; keyId: string } {
    const dataKey = randomBytes(KEY_BYTES);
    return { dataKey, wrapped: wrapDataKey(this.active, sha256, dataKey), keyId: this.active.id };
  }

  unwrap(sha256: string, keyId: string, wrapped: Buffer): Buffer {
    const master = this.byId.get(keyId);
    if (master === undefined)
      throw new BlobKeyError(
        `Blob ${sha256} is encrypted under master key ${keyId}, which this server does not hold (loaded: ${this.ids().join(", ")}); it is not served`,
      );
    return unwrapDataKey(master, sha256, wrapped);
  }

  /**
   * The keyring from key file paths, the first active: `--master-key-file a` or the variable's
   * comma-separated list `new,old` (during a rotation a server can hold both).
   */
  static fromFiles(paths: readonly string[], field = "masterKeyFile"): Keyring {
    const keys = paths.map((p) => loadMasterKey(p, field));
    const [active, ...others] = keys;
    if (active === undefined)
      throw new InvalidInputError("No master key file", [{ code: "invalid_value", path: field, message: "name at least one file" }]);
    return new Keyring(active, others);
  }
}
