import { gunzipSync, inflateSync } from "node:zlib";
import { InvalidInputError, type Issue } from "@aidc/core";

/**
 * The body codec of the Open Inference Protocol's HTTP infer route, with Triton's binary tensor data
 * extension: a body is a JSON object, optionally followed by the tensors' raw bytes (in the order of the
 * tensors in the JSON, each tensor's byte count in its `parameters.binary_data_size`); the
 * `Inference-Header-Content-Length` header then gives the length of the JSON part. BYTES elements are a
 * 4-byte little-endian length followed by the bytes; FP32 elements are 4-byte little-endian floats.
 */
export const HEADER_LENGTH = "inference-header-content-length";

const utf8 = new TextDecoder("utf-8", { fatal: true });

function invalid(path: string, message: string): InvalidInputError {
  return new InvalidInputError(`${path}: ${message}`, [{ code: "invalid_value", path, message }]);
}

/** The body without its Content-Encoding (gzip or deflate, as Triton clients compress), at most `limit` bytes. */
export function decodeContent(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const e = encoding?.trim().toLowerCase();
  if (e === undefined || e === "" || e === "identity") return body;
  try {
    if (e === "gzip" || e === "x-gzip") return gunzipSync(body, { maxOutputLength: limit });
    if (e === "deflate") return inflateSync(body, { maxOutputLength: limit });
  } catch (cause) {
    throw invalid("Content-Encoding", `the ${e} body cannot be decompressed within ${limit} bytes (${(cause as Error).message})`);
  }
  throw invalid("Content-Encoding", `"${e}" is not supported (use gzip, deflate or none)`);
}

/** BYTES elements from their binary form (length-prefixed UTF-8 texts). */
export function decodeBytesTensor(raw: Buffer, path: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < raw.length) {
    if (at + 4 > raw.length) throw invalid(path, `element ${out.length} has a truncated 4-byte length`);
    const n = raw.readUInt32LE(at);
    at += 4;
    if (at + n > raw.length) throw invalid(path, `element ${out.length} says ${n} bytes but only ${raw.length - at} remain`);
    try {
      out.push(utf8.decode(raw.subarray(at, at + n)));
    } catch {
      throw invalid(path, `element ${out.length} is not valid UTF-8`);
    }
    at += n;
  }
  return out;
}

export function encodeBytesTensor(values: readonly string[]): Buffer {
  const parts = values.map((v) => Buffer.from(v, "utf8"));
  const out = Buffer.alloc(parts.reduce((s, p) => s + 4 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    at = out.writeUInt32LE(p.length, at);
    at += p.copy(out, at);
  }
  return out;
}

export function encodeFp32Tensor(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => out.writeFloatLE(v, i * 4));
  return out;
}

function jsonHeaderLength(value: string | string[] | undefined, bodyBytes: number): number {
  if (value === undefined) return bodyBytes;
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim()) || Number(text) > bodyBytes) {
    throw invalid("Inference-Header-Content-Length", `must be a byte count between 0 and the body's ${bodyBytes} bytes, got "${text}"`);
  }
  return Number(text);
}

/**
 * The inference request object of a body: the JSON part parsed, and each input sent as binary data
 * spliced back in as its `data` array (so one schema validates both forms). Only BYTES tensors can be
 * binary here: the served models take texts.
 */
export function decodeInferBody(body: Buffer, headerLength: string | string[] | undefined): unknown {
  const jsonBytes = jsonHeaderLength(headerLength, body.length);
  let request: unknown;
  try {
    request = JSON.parse(utf8.decode(body.subarray(0, jsonBytes))) as unknown;
  } catch (cause) {
    throw invalid("(body)", `the inference request is not JSON (${(cause as Error).message})`);
  }
  const binary = body.subarray(jsonBytes);
  const inputs = (request as { inputs?: unknown } | null)?.inputs;
  let at = 0;
  if (Array.isArray(inputs)) {
    for (const [i, input] of inputs.entries()) {
      const size = (input as { parameters?: Record<string, unknown> } | null)?.parameters?.["binary_data_size"];
      if (size === undefined) continue;
      const path = `inputs[${i}].parameters.binary_data_size`;
      const tensor = input as { datatype?: unknown; data?: unknown };
      if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw invalid(path, "must be a byte count");
      if (tensor.data !== undefined) throw invalid(`inputs[${i}].data`, "must be absent when the tensor is sent as binary data");
      if (tensor.datatype !== "BYTES")
        throw invalid(`inputs[${i}].datatype`, `binary data of ${String(tensor.datatype)} tensors is not accepted; the model takes BYTES`);
      if (at + size > binary.length)
        throw invalid(path, `is ${size} but only ${binary.length - at} bytes of binary data remain after the JSON`);
      tensor.data = decodeBytesTensor(binary.subarray(at, at + size), `inputs[${i}]`);
      at += size;
    }
  }
  if (at !== binary.length) {
    const issue: Issue = {
      code: "invalid_value",
      path: "(body)",
      message: `${binary.length - at} bytes follow the JSON and the inputs' binary_data_size${jsonBytes === body.length ? "" : " (is Inference-Header-Content-Length right?)"}`,
    };
    throw new InvalidInputError(`(body): ${issue.message}`, [issue]);
  }
  return request;
}
