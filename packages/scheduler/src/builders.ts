import type { SchedJob } from "./types.js";

/** Builder for scheduler jobs (tests, examples, the server's adapters): `makeJob("j1").gpus(8).build()`. */
export class JobBuilder {
  private job: { -readonly [K in keyof SchedJob]: SchedJob[K] };
  constructor(id: string, seq = 0) {
    this.job = {
      id,
      gpus: 1,
      gpuMilli: 1000,
      queue: "default",
      partition: -1,
      priority: 0,
      submitS: 0,
      estimateS: 3600,
      remainingS: 3600,
      attainedGpuS: 0,
      seq,
    };
  }
  gpus(n: number): this {
    this.job.gpus = n;
    return this;
  }
  milli(m: number): this {
    this.job.gpuMilli = m;
    return this;
  }
  queue(q: string): this {
    this.job.queue = q;
    return this;
  }
  partition(p: number): this {
    this.job.partition = p;
    return this;
  }
  priority(p: number): this {
    this.job.priority = p;
    return this;
  }
  submit(s: number): this {
    this.job.submitS = s;
    return this;
  }
  /** Runtime (estimate and remaining work). */
  runtime(s: number): this {
    this.job.estimateS = s;
    this.job.remainingS = s;
    return this;
  }
  seq(n: number): this {
    this.job.seq = n;
    return this;
  }
  build(): SchedJob {
    return { ...this.job };
  }
}

export function makeJob(id: string, seq = 0): JobBuilder {
  return new JobBuilder(id, seq);
}
