import { deflateSync, gzipSync } from "node:zlib";

/**
 * A small Open Inference Protocol (KServe v2) HTTP client for tests, written from the protocol's REST
 * document and Triton's binary tensor data extension, independently of the server's code. Like Triton's
 * Python client, it sends inference bodies without a Content-Type unless told otherwise, and it insists that
 * error bodies are `{"error": "<string>"}`.
 */

export class OipError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface InferInput {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data: readonly unknown[];
  /** Send the tensor as binary data (BYTES only here: 4-byte little-endian length, then the UTF-8 bytes). */
  readonly binary?: boolean;
}

export interface InferOptions {
  readonly id?: string;
  readonly version?: string;
  readonly parameters?: Record<string, string | number | boolean>;
  /** Requested outputs; `binary` sets the output's `binary_data` parameter. */
  readonly outputs?: readonly { readonly name: string; readonly binary?: boolean }[];
  /** The Content-Type header (none when undefined, as tritonclient sends). */
  readonly contentType?: string;
  readonly compress?: "gzip" | "deflate";
}

export interface OutputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
  readonly parameters?: Record<string, unknown>;
  /** JSON data, or the decoded binary data (numbers for FP32, strings for BYTES). */
  readonly data: (number | string)[];
  readonly binary: boolean;
}

export interface InferResult {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id?: string;
  readonly outputs: OutputTensor[];
  readonly contentType: string | null;
  readonly headerLength: number | undefined;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

function bytesElements(values: readonly unknown[]): Buffer {
  return Buffer.concat(
    values.flat(2).flatMap((v) => {
      const b = Buffer.from(String(v), "utf8");
      const n = Buffer.alloc(4);
      n.writeUInt32LE(b.length);
      return [n, b];
    }),
  );
}

function decodeBinary(datatype: string, raw: Buffer): (number | string)[] {
  const out: (number | string)[] = [];
  if (datatype === "FP32") {
    if (raw.length % 4 !== 0) throw new Error(`FP32 binary data of ${raw.length} bytes`);
    for (let i = 0; i < raw.length; i += 4) out.push(raw.readFloatLE(i));
    return out;
  }
  if (datatype !== "BYTES") throw new Error(`no decoder for ${datatype}`);
  let at = 0;
  while (at < raw.length) {
    const n = raw.readUInt32LE(at);
    out.push(raw.subarray(at + 4, at + 4 + n).toString("utf8"));
    at += 4 + n;
  }
  if (at !== raw.length) throw new Error("truncated BYTES binary data");
  return out;
}

export class OipClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  private auth(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }

  async raw(method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<RawResponse> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...this.auth(), ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? Buffer.from(body) : body }),
    });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  }

  /** The JSON body of a 200, or an OipError carrying the protocol's error string. */
  private static json(r: RawResponse): unknown {
    if (r.status === 200) return JSON.parse(r.body.toString("utf8")) as unknown;
    throw OipClient.error(r);
  }

  static error(r: RawResponse): OipError {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body.toString("utf8"));
    } catch {
      throw new Error(`HTTP ${r.status} with a body that is not JSON: ${r.body.toString("utf8").slice(0, 200)}`);
    }
    const error = (parsed as { error?: unknown } | null)?.error;
    if (typeof error !== "string") throw new Error(`HTTP ${r.status} with an error that is not a string: ${r.body.toString("utf8")}`);
    return new OipError(r.status, error);
  }

  private static modelPath(name: string, version?: string): string {
    return `/v2/models/${encodeURIComponent(name)}${version === undefined ? "" : `/versions/${encodeURIComponent(version)}`}`;
  }

  /** Health answers are the status code alone: 200 true, 4xx false. */
  async live(): Promise<boolean> {
    return (await this.raw("GET", "/v2/health/live")).status === 200;
  }
  async ready(): Promise<boolean> {
    return (await this.raw("GET", "/v2/health/ready")).status === 200;
  }
  async modelReady(name: string, version?: string): Promise<boolean> {
    return (await this.raw("GET", `${OipClient.modelPath(name, version)}/ready`)).status === 200;
  }

  async serverMetadata(): Promise<{ name: string; version: string; extensions: string[] }> {
    return OipClient.json(await this.raw("GET", "/v2")) as { name: string; version: string; extensions: string[] };
  }

  async modelMetadata(name: string, version?: string): Promise<Record<string, unknown>> {
    return OipClient.json(await this.raw("GET", OipClient.modelPath(name, version))) as Record<string, unknown>;
  }

  /** The request body and headers of an inference request, as the protocol and its binary extension lay them out. */
  static encode(inputs: readonly InferInput[], o: InferOptions = {}): { body: Buffer; headers: Record<string, string> } {
    const binaries: Buffer[] = [];
    const request = {
      ...(o.id === undefined ? {} : { id: o.id }),
      ...(o.parameters === undefined ? {} : { parameters: o.parameters }),
      inputs: inputs.map((i) => {
        const head = { name: i.name, shape: i.shape, datatype: i.datatype };
        if (i.binary !== true) return { ...head, data: i.data };
        const raw = bytesElements(i.data);
        binaries.push(raw);
        return { ...head, parameters: { binary_data_size: raw.length } };
      }),
      ...(o.outputs === undefined
        ? {}
        : {
            outputs: o.outputs.map((x) => ({ name: x.name, ...(x.binary === undefined ? {} : { parameters: { binary_data: x.binary } }) })),
          }),
    };
    const json = Buffer.from(JSON.stringify(request), "utf8");
    const headers: Record<string, string> = {};
    if (binaries.length > 0) headers["Inference-Header-Content-Length"] = String(json.length);
    if (o.contentType !== undefined) headers["Content-Type"] = o.contentType;
    let body = Buffer.concat([json, ...binaries]);
    if (o.compress !== undefined) {
      body = o.compress === "gzip" ? gzipSync(body) : deflateSync(body);
      headers["Content-Encoding"] = o.compress;
    }
    return { body, headers };
  }

  /** Split a response into its JSON part and its outputs' binary data (after the JSON, in output order). */
  static decode(r: RawResponse): InferResult {
    if (r.status !== 200) throw OipClient.error(r);
    const header = r.headers.get("inference-header-content-length");
    const jsonBytes = header === null ? r.body.length : Number(header);
    const head = JSON.parse(r.body.subarray(0, jsonBytes).toString("utf8")) as Omit<InferResult, "contentType" | "headerLength">;
    let at = jsonBytes;
    const outputs = head.outputs.map((o) => {
      const size = o.parameters?.["binary_data_size"];
      if (typeof size !== "number") return { ...o, binary: false };
      const data = decodeBinary(o.datatype, r.body.subarray(at, at + size));
      at += size;
      return { ...o, data, binary: true };
    });
    if (at !== r.body.length) throw new Error(`${r.body.length - at} bytes after the outputs' binary data`);
    return { ...head, outputs, contentType: r.headers.get("content-type"), headerLength: header === null ? undefined : jsonBytes };
  }

  async infer(model: string, inputs: readonly InferInput[], o: InferOptions = {}): Promise<InferResult> {
    const { body, headers } = OipClient.encode(inputs, o);
    return OipClient.decode(await this.raw("POST", `${OipClient.modelPath(model, o.version)}/infer`, body, headers));
  }
}
