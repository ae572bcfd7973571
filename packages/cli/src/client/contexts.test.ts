import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../run-cli.testing.js";
import { configPath, readConfig, selectContext } from "./contexts.js";
import { connection, requestJson } from "./http.js";

const home = mkdtempSync(join(tmpdir(), "aidc-contexts-"));
const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  XDG_CONFIG_HOME: home,
  AIDC_DATA_DIR: join(home, "none"),
  ...extra,
});
const saved = process.env["XDG_CONFIG_HOME"];
beforeAll(() => {
  process.env["XDG_CONFIG_HOME"] = home;
});
afterAll(() => {
  selectContext(undefined);
  if (saved === undefined) delete process.env["XDG_CONFIG_HOME"];
  else process.env["XDG_CONFIG_HOME"] = saved;
});

describe("aidc config contexts", () => {
  it("sets, lists, switches and deletes contexts in $XDG_CONFIG_HOME/aidc/config.yaml with mode 600", async () => {
    const token = join(home, "prod-token");
    writeFileSync(token, "s3cret\n");
    expect((await runCli(["config", "set-context", "prod", "--server", "https://aidc.example:8443/", "--token-file", token])).code).toBe(0);
    expect((await runCli(["config", "set-context", "lab", "--server", "http://10.0.0.5:8080"])).code).toBe(0);
    expect(configPath()).toBe(join(home, "aidc", "config.yaml"));
    expect(statSync(configPath()).mode & 0o777).toBe(0o600);
    expect(readFileSync(configPath(), "utf8")).not.toContain("s3cret"); // the token stays in its file

    expect((await runCli(["config", "current-context"])).out).toBe("prod\n"); // the first one becomes current
    const list = JSON.parse((await runCli(["config", "get-contexts", "--json"])).out) as {
      currentContext: string;
      contexts: { name: string; server: string }[];
    };
    expect(list.currentContext).toBe("prod");
    expect(list.contexts.map((c) => [c.name, c.server])).toEqual([
      ["prod", "https://aidc.example:8443"],
      ["lab", "http://10.0.0.5:8080"],
    ]);
    const table = (await runCli(["config", "get-contexts"])).out.split("\n");
    expect(table[1]?.split("\t").slice(0, 2)).toEqual(["*", "prod"]);

    expect((await runCli(["config", "use-context", "lab"])).code).toBe(0);
    expect(readConfig().currentContext).toBe("lab");
    const bad = await runCli(["config", "use-context", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/no context "nope".*known: prod, lab/);
    expect((await runCli(["config", "set-context", "x", "--server", "ftp://h"])).code).toBe(2);

    expect((await runCli(["config", "delete-context", "lab"])).code).toBe(0);
    expect(readConfig()).toEqual({ contexts: [{ name: "prod", server: "https://aidc.example:8443", tokenFile: token }] });
    const none = await runCli(["config", "current-context"]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no current context/);
  });

  it("resolves the connection as flag > environment > context > default", async () => {
    const token = join(home, "t1");
    writeFileSync(token, "from-file\n");
    await runCli(["config", "set-context", "c1", "--server", "http://ctx.example:1", "--token-file", token, "--use"]);
    expect(connection({}, env())).toEqual({ url: "http://ctx.example:1", token: "from-file", context: "c1" });
    expect(connection({}, env({ AIDC_URL: "http://env:2", AIDC_TOKEN: "e" }))).toMatchObject({ url: "http://env:2", token: "e" });
    expect(connection({ url: "http://flag:3", token: "f" }, env({ AIDC_URL: "http://env:2", AIDC_TOKEN: "e" }))).toMatchObject({
      url: "http://flag:3",
      token: "f",
    });
    const empty = mkdtempSync(join(tmpdir(), "aidc-noconfig-"));
    expect(connection({}, { XDG_CONFIG_HOME: empty, AIDC_DATA_DIR: join(empty, "none") })).toEqual({ url: "http://127.0.0.1:8080" });
    // --context (main.ts) and $AIDC_CONTEXT pick another context than the current one
    await runCli(["config", "set-context", "c2", "--server", "http://other:4"]);
    expect(connection({}, env({ AIDC_CONTEXT: "c2" })).url).toBe("http://other:4");
    selectContext("c2");
    expect(connection({}, env()).url).toBe("http://other:4");
    selectContext(undefined);
    expect(() => connection({}, env({ AIDC_CONTEXT: "gone" }))).toThrow(/no context "gone"/);
  });
});

describe("a context's CA", () => {
  const dir = mkdtempSync(join(tmpdir(), "aidc-ca-"));
  let url = "";
  let close = (): void => undefined;
  let haveOpenssl = true;
  beforeAll(async () => {
    try {
      execFileSync(
        "openssl",
        [
          "req",
          "-x509",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-days",
          "2",
          "-subj",
          "/CN=localhost",
          "-addext",
          "subjectAltName=DNS:localhost,IP:127.0.0.1",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
        ],
        { stdio: "ignore" },
      );
    } catch {
      haveOpenssl = false;
      return;
    }
    const server = createServer({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) }, (req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it("trusts a self-signed server only with the context's CA file", async (ctx) => {
    if (!haveOpenssl) ctx.skip("needs the openssl command to make a test certificate");
    const token = join(dir, "token");
    writeFileSync(token, "tok\n");
    await runCli(["config", "set-context", "tls", "--server", url, "--token-file", token, "--ca", join(dir, "cert.pem"), "--use"]);
    const conn = connection({}, env());
    expect(await requestJson(conn, "GET", "/api/v1/ping")).toEqual({ path: "/api/v1/ping", auth: "Bearer tok" });
    await runCli(["config", "set-context", "tls-noca", "--server", url, "--use"]);
    await expect(requestJson(connection({}, env()), "GET", "/x")).rejects.toThrow(
      /Refusing https:.*\(context tls-noca\): its TLS certificate is not trusted \(self.signed certificate\)/i,
    );
  });
});

describe("a refused token", () => {
  it("names the context whose token file to check", async () => {
    const server = createHttpServer((_req, res) => {
      res.statusCode = 401;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: { code: "UNAUTHENTICATED", message: "bad token" } }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await runCli(["config", "set-context", "stale", "--server", url, "--use"]);
      await expect(requestJson(connection({}, env()), "GET", "/api/v1/jobs")).rejects.toThrow(
        /401 bad token \(context stale: check its --token-file, or pass --token\)/,
      );
      await expect(requestJson(connection({ url }, { XDG_CONFIG_HOME: join(home, "none") }), "GET", "/x")).rejects.toThrow(
        /set AIDC_TOKEN, pass --token, or aidc config set-context/,
      );
    } finally {
      server.close();
    }
  });
});
