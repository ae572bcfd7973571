import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { AidcError } from "@aidc/core";

const run = promisify(execFile);

/** The shared OS user of every job when users are not mapped. */
export const JOB_USER = "aidc-job";

export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** An OS user by name from /etc/passwd (undefined when absent). */
export function lookupUser(name: string): OsUser | undefined {
  let text: string;
  try {
    text = readFileSync("/etc/passwd", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const [n, , uid, gid] = line.split(":");
    if (n === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * The OS user of an aidc user under --map-users: `aidc-u-<name>` (lower-cased; names that are
 * not valid OS user names, or too long, become `aidc-u-<hash>`). Never an existing human
 * account: a mapped job can never act as a real login user.
 */
export function mappedUserName(aidcUser: string): string {
  const n = aidcUser.toLowerCase();
  if (/^[a-z0-9][a-z0-9_-]{0,23}$/.test(n) && n === aidcUser) return `aidc-u-${n}`;
  return `aidc-u-${createHash("sha256").update(aidcUser).digest("hex").slice(0, 12)}`;
}

const USERADD = ["--system", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin"];

/** Create the user at server start when missing (a start-up step, so synchronous is fine). */
export function ensureUserSync(name: string): OsUser {
  const known = lookupUser(name);
  if (known) return known;
  try {
    execFileSync("useradd", [...USERADD, name], { stdio: "pipe", timeout: 30_000 });
  } catch (cause) {
    if (!lookupUser(name)) throw new AidcError("OS_USER_FAILED", `Cannot create the OS user ${name} for jobs`, { cause });
  }
  const made = lookupUser(name);
  if (!made) throw new AidcError("OS_USER_FAILED", `Cannot create the OS user ${name} for jobs`);
  return made;
}

const pending = new Map<string, Promise<OsUser>>();

/** Create a mapped user on demand, off the event loop; concurrent calls share one useradd. */
export function ensureUser(name: string): Promise<OsUser> {
  const known = lookupUser(name);
  if (known) return Promise.resolve(known);
  let p = pending.get(name);
  if (p === undefined) {
    p = run("useradd", [...USERADD, name], { timeout: 30_000 })
      .catch((cause: unknown) => {
        if (!lookupUser(name)) throw new AidcError("OS_USER_FAILED", `Cannot create the OS user ${name} for jobs`, { cause });
      })
      .then(() => {
        const made = lookupUser(name);
        if (!made) throw new AidcError("OS_USER_FAILED", `Cannot create the OS user ${name} for jobs`);
        return made;
      })
      .finally(() => pending.delete(name));
    pending.set(name, p);
  }
  return p;
}
