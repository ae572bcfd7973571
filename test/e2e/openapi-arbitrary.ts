import fc from "fast-check";

/** The part of JSON Schema (as OpenAPI 3.0 embeds it) the generators read. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number | boolean;
  readonly exclusiveMaximum?: number | boolean;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly nullable?: boolean;
  readonly default?: unknown;
}

/** Small and odd strings: empty, unicode, path tricks, very long, numbers as text. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("", " ", "..", "../../etc/passwd", "%00", "a/b", "NaN", "-1", "0", "1e309", "true", "null", "ü🙂", "x".repeat(5000)),
  fc.string({ unit: "grapheme", maxLength: 8 }),
);

/** Any JSON value, small. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

const MAX_ITEMS = 3;

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  let min = s.minimum ?? -1e6;
  let max = s.maximum ?? 1e6;
  if (typeof s.exclusiveMinimum === "number") min = s.exclusiveMinimum + (integer ? 1 : 1e-6);
  else if (s.exclusiveMinimum === true) min += integer ? 1 : 1e-6;
  if (typeof s.exclusiveMaximum === "number") max = s.exclusiveMaximum - (integer ? 1 : 1e-6);
  else if (s.exclusiveMaximum === true) max -= integer ? 1 : 1e-6;
  min = Math.max(min, -1e9);
  max = Math.min(max, 1e9);
  if (min > max) return fc.constant(min);
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constant(min), fc.constant(max));
}

/** Values the schema accepts (mostly): the "valid" side of the fuzz. */
export function valid(s: JsonSchema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (s === undefined || depth > 6) return anyJson;
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum !== undefined && s.enum.length > 0) return fc.constantFrom(...s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (branches !== undefined && branches.length > 0) return fc.oneof(...branches.map((b) => valid(b, depth + 1)));
  if (s.allOf !== undefined && s.allOf.length > 0) return valid(s.allOf[0], depth + 1);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const base = ((): fc.Arbitrary<unknown> => {
    switch (type) {
      case "string":
        return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.max(s.minLength ?? 0, Math.min(s.maxLength ?? 16, 16)) });
      case "integer":
        return numberArb(s, true);
      case "number":
        return numberArb(s, false);
      case "boolean":
        return fc.boolean();
      case "null":
        return fc.constant(null);
      case "array": {
        const minLength = s.minItems ?? 0;
        const maxLength = Math.max(minLength, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS));
        return fc.array(valid(s.items, depth + 1), { minLength, maxLength });
      }
      case "object":
      case undefined: {
        if (s.properties === undefined)
          return type === "object" ? fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 3 }) : anyJson;
        const required = new Set(s.required ?? []);
        const shape = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, valid(v, depth + 1)]));
        return fc.record(shape, { requiredKeys: [...required].filter((k) => k in shape) });
      }
      default:
        return anyJson;
    }
  })();
  return s.nullable === true ? fc.oneof(base, fc.constant(null)) : base;
}

/** Values that break the schema somewhere (wrong type, a field too many or too few, out of range), or anything at all. */
export function invalid(s: JsonSchema | undefined): fc.Arbitrary<unknown> {
  const wrong: fc.Arbitrary<unknown>[] = [anyJson, fc.constantFrom(null, 0, -1, "", [], {}, 1e308, -0, "x".repeat(10_000))];
  if (s?.properties !== undefined) {
    const ok = valid(s) as fc.Arbitrary<Record<string, unknown>>;
    const keys = Object.keys(s.properties);
    wrong.push(ok.map((o) => ({ ...o, "unknown-field": 1 })));
    if (keys.length > 0) {
      wrong.push(
        fc.tuple(ok, fc.constantFrom(...keys), anyJson).map(([o, k, v]) => ({ ...o, [k]: v })),
        fc.tuple(ok, fc.constantFrom(...keys)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k))),
      );
    }
  }
  return fc.oneof(...wrong);
}

/** A value as it travels in a path, query or header: text. */
export function asText(v: unknown): string {
  return typeof v === "string" ? v : (JSON.stringify(v) ?? "");
}
