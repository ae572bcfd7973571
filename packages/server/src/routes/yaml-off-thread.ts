import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  issue,
  parseText,
  validateData,
  validateDocument,
  type Catalog,
  type DocumentResult,
  type Issue,
  type ParseLimits,
} from "@aidc/core";

/** Plain data parsed from a YAML/JSON body, or the issues that stopped it. */
export interface ParsedBody {
  readonly data?: unknown;
  readonly issues: readonly Issue[];
}

/** Below this many characters a document is parsed on the event loop (a few milliseconds). */
export const INLINE_CHARS = 16 * 1024;

// the worker runs core's validateDocument with the default catalog; the caller re-checks the
// document against its own catalog (cheap: plain data)
const CORE = pathToFileURL(createRequire(import.meta.url).resolve("@aidc/core")).href;
const WORKER = `
const { parentPort } = require("node:worker_threads");
import(${JSON.stringify(CORE)}).then((core) => {
  const catalog = core.defaultCatalog();
  parentPort.on("message", ({ id, text, limits, parseOnly }) => {
    try {
      if (parseOnly) {
        const p = core.parseText(text, limits);
        parentPort.postMessage({ id, data: p.data, issues: p.issues });
        return;
      }
      const r = core.validateDocument(text, catalog, limits);
      parentPort.postMessage({ id, document: r.document, issues: r.issues });
    } catch (err) {
      parentPort.postMessage({ id, error: String((err && err.message) || err) });
    }
  });
});
`;

interface Reply {
  readonly id: number;
  readonly document?: DocumentResult["document"];
  readonly data?: unknown;
  readonly issues?: DocumentResult["issues"];
  readonly error?: string;
}

/**
 * Validates YAML/JSON documents on a worker thread, one at a time, so that a large document
 * (the yaml package parses about 1 MB/s) never holds the event loop. A parse that takes longer
 * than `timeoutMs` ends the worker (a new one starts for the next document) and becomes an issue.
 */
export class OffThreadValidator {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: (r: DocumentResult & ParsedBody) => void; timer: NodeJS.Timeout }>();

  constructor(private readonly timeoutMs = 10_000) {}

  async validate(text: string, catalog: Catalog, limits: Partial<ParseLimits>): Promise<DocumentResult> {
    if (text.length <= INLINE_CHARS) return validateDocument(text, catalog, limits);
    const r = (await this.post(text, limits, false)) as DocumentResult;
    // the worker checked against the default catalog: check the parsed data against this one
    return r.document === undefined ? r : validateData(r.document.value, catalog, limits);
  }

  /** Parse YAML/JSON text into plain data (any document, not only aidc kinds), within `limits`. */
  async parse(text: string, limits: Partial<ParseLimits>): Promise<ParsedBody> {
    if (text.length <= INLINE_CHARS) {
      const p = parseText(text, limits);
      return p.issues.length > 0 ? { issues: p.issues } : { data: p.data, issues: [] };
    }
    return this.post(text, limits, true);
  }

  private async post(text: string, limits: Partial<ParseLimits>, parseOnly: boolean): Promise<DocumentResult & ParsedBody> {
    const id = ++this.seq;
    const worker = this.start();
    return new Promise<DocumentResult & ParsedBody>((resolve) => {
      const timer = setTimeout(() => {
        this.fail(`parsing took longer than ${this.timeoutMs / 1000} s`);
        void worker.terminate();
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, timer });
      worker.postMessage({ id, text, limits, parseOnly });
    });
  }

  close(): Promise<number> | undefined {
    this.fail("the server is shutting down");
    const w = this.worker;
    this.worker = undefined;
    return w?.terminate();
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    worker.unref();
    worker.on("message", (m: Reply) => {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      w.resolve(
        m.error !== undefined
          ? { issues: [issue("syntax", "(document)", `invalid YAML/JSON: ${m.error}`)] }
          : {
              issues: m.issues ?? [],
              ...(m.document !== undefined ? { document: m.document } : {}),
              ...("data" in m ? { data: m.data } : {}),
            },
      );
    });
    const gone = (why: string): void => {
      if (this.worker === worker) this.worker = undefined;
      this.fail(why);
    };
    worker.on("error", (err) => gone(`the parser failed: ${err.message}`));
    worker.on("exit", () => gone("the parser stopped"));
    this.worker = worker;
    return worker;
  }

  /** Answer every waiting document with one issue (the worker is gone or too slow). */
  private fail(why: string): void {
    for (const [id, w] of this.waiting) {
      clearTimeout(w.timer);
      w.resolve({ issues: [issue("too_expensive", "(document)", `cannot be parsed: ${why}`)] });
      this.waiting.delete(id);
    }
  }
}
