import { createHash } from "node:crypto";
import { expect } from "vitest";

/** A small client for governance tests against a real server: bearer tokens by user name. */
export interface Res {
  status: number;
  body: Record<string, unknown>;
  bytes: Buffer;
}

export const sha = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

export function client(url: () => string, tok: Record<string, string>) {
  const call = async (who: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res> => {
    const res = await fetch(`${url()}${path}`, {
      method,
      headers: {
        ...(tok[who] !== undefined ? { authorization: `Bearer ${tok[who]}` } : {}),
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = res.headers.get("content-type")?.includes("json") === true && bytes.length > 0;
    return { status: res.status, body: (json ? JSON.parse(bytes.toString("utf8")) : {}) as Record<string, unknown>, bytes };
  };
  const publish = async (who: string, project: string, name: string, data: Buffer, kind = "dataset"): Promise<Res> => {
    const { id } = (await call(who, "POST", "/api/v1/uploads")).body as { id: string };
    const up = await fetch(`${url()}/api/v1/uploads/${id}`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${tok[who] ?? ""}`, "content-type": "application/offset+octet-stream", "upload-offset": "0" },
      body: data,
    });
    expect(up.status).toBe(200);
    return call(who, "POST", "/api/v1/artifacts", { project, name, kind, uploadId: id, sha256: sha(data) });
  };
  return { call, publish };
}

export const code = (r: Res): string => (r.body["error"] as { code?: string } | undefined)?.code ?? "";
