import { describe, expect, it } from "vitest";
import { ERROR_CATALOG, exitCodeOf, httpStatusOf } from "./errors-catalog.js";

describe("error catalog", () => {
  it("gives every code an HTTP error status and a meaning", () => {
    for (const [code, kind] of Object.entries(ERROR_CATALOG)) {
      expect(code, code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(kind.status, code).toBeGreaterThanOrEqual(400);
      expect(kind.status, code).toBeLessThan(600);
      expect(kind.meaning.length, code).toBeGreaterThan(10);
    }
  });

  it("maps codes to HTTP statuses and CLI exit codes: bad input exits 2, the rest 1", () => {
    expect(httpStatusOf("INVALID_INPUT")).toBe(400);
    expect(httpStatusOf("DUPLICATE_JOB")).toBe(422);
    expect(httpStatusOf("SOMETHING_NEW")).toBe(500);
    expect(exitCodeOf("INVALID_INPUT")).toBe(2);
    expect(exitCodeOf("NOT_FOUND")).toBe(2);
    expect(exitCodeOf("UNAUTHORIZED")).toBe(1);
    expect(exitCodeOf("EXECUTOR_UNAVAILABLE")).toBe(1);
    expect(exitCodeOf("SOMETHING_NEW")).toBe(1);
  });
});
