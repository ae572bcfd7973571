import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "@aidc/core";
import { MIGRATIONS } from "./migrations.js";
import { defaultStoreUrl, openStore, parseStoreUrl } from "./open.js";

const dir = mkdtempSync(join(tmpdir(), "aidc-open-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("store URLs", () => {
  it("read sqlite:<path>, sqlite:///<absolute path>, :memory: and bare paths as SQLite, resolved against the working directory", () => {
    expect(parseStoreUrl("sqlite:./.aidc/aidc.db")).toEqual({ backend: "sqlite", path: resolve(".aidc/aidc.db") });
    expect(parseStoreUrl("sqlite:///var/lib/aidc/aidc.db")).toEqual({ backend: "sqlite", path: "/var/lib/aidc/aidc.db" });
    expect(parseStoreUrl("sqlite::memory:")).toEqual({ backend: "sqlite", path: ":memory:" });
    expect(parseStoreUrl("data/aidc.db")).toEqual({ backend: "sqlite", path: resolve("data/aidc.db") });
    expect(parseStoreUrl("/abs/aidc.db")).toEqual({ backend: "sqlite", path: "/abs/aidc.db" });
    expect(defaultStoreUrl("/srv/aidc")).toBe("sqlite:/srv/aidc/aidc.db");
  });

  it("read postgres:// and postgresql:// as PostgreSQL, keeping the URL as given", () => {
    const url = "postgres://aidc:secret@db.example:5432/aidc?options=-c%20search_path%3Dteam";
    expect(parseStoreUrl(url)).toEqual({ backend: "postgres", url });
    expect(parseStoreUrl("postgresql://db/aidc")).toEqual({ backend: "postgres", url: "postgresql://db/aidc" });
  });

  it("refuse anything else with an issue naming the flag, never showing a password", () => {
    const issue = (url: string, flag?: string) => {
      try {
        parseStoreUrl(url, flag);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidInputError);
        return { message: (err as InvalidInputError).message, issues: (err as InvalidInputError).issues };
      }
      throw new Error(`accepted ${url}`);
    };
    expect(issue("mysql://u:p@h/db").issues).toEqual([
      { code: "INVALID_STORE_URL", path: "--store", message: expect.stringContaining('unknown store scheme "mysql:"') as string },
    ]);
    expect(issue("", "--to").issues[0]?.path).toBe("--to");
    expect(issue("sqlite:").issues[0]?.message).toContain("needs a file path");
    const noHost = issue("postgres://aidc:hunter2@:5432/aidc");
    expect(noHost.issues[0]?.message).toMatch(/no host|not a valid URL/);
    expect(JSON.stringify(noHost)).not.toContain("hunter2");
    expect(issue("postgres:///aidc").issues[0]?.message).toContain("no host");
    expect(parseStoreUrl("postgres:///aidc?host=/var/run/postgresql").backend).toBe("postgres");
  });
});

describe("openStore", () => {
  it("creates and migrates a SQLite file (and its folder) and reopens it", async () => {
    const url = `sqlite:${join(dir, "new", "aidc.db")}`;
    const first = await openStore(url);
    expect(first.backend).toBe("sqlite");
    expect(first.location).toBe(url);
    const versions = await first.appliedVersions();
    expect(versions.at(-1)).toBe(MIGRATIONS.at(-1)?.version); // every migration applied, the newest last
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
    await first.close();
    const again = await openStore(url);
    expect(await again.appliedVersions()).toEqual(versions);
    expect(await again.ping()).toBe(true);
    await again.close();
  });

  it("says which PostgreSQL it could not reach, without its password", async () => {
    const err: unknown = await openStore("postgres://aidc:hunter2@127.0.0.1:1/aidc").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "STORE_OPEN_FAILED" });
    const message = err instanceof Error ? err.message : "";
    expect(message).toContain("postgres://aidc:***@127.0.0.1:1/aidc");
    expect(message).not.toContain("hunter2");
  });
});
