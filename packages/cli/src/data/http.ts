import { AidcError } from "@aidc/core/errors";

/** fetch() that names the URL when the server cannot be reached (fetch itself says only "fetch failed"). */
export async function get(url: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, signal });
  } catch (e) {
    const cause = (e as Error).cause as (Error & { code?: string }) | undefined;
    const why = signal.aborted ? String(signal.reason) : (cause?.code ?? cause?.message ?? (e as Error).message);
    throw new AidcError("DOWNLOAD_FAILED", `cannot reach ${url}: ${why}`, { cause: e });
  }
}

/** An abort signal that fires when `touch()` was not called for `ms` milliseconds. */
export function idleTimer(ms: number): { signal: AbortSignal; touch: () => void; stop: () => void } {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(new Error(`no data for ${ms / 1000} s`)), ms);
  };
  touch();
  return { signal: ctl.signal, touch, stop: () => clearTimeout(timer) };
}
