import {
  commAndLaunchS,
  decodeAttentionS,
  decodeStepBreakdown,
  decodeStepS,
  elementwiseS,
  freshTokens,
  gemmS,
  kvBytesPerToken,
  maxBatch,
  prefillAttentionS,
  prefillS,
  timePerTokenS,
  tokensPerStep,
  weightBytesPerGpu,
  type DecodeStepBreakdown,
  type InferenceProblem,
} from "./inference.js";

/**
 * Serving estimates from the step model of inference.ts: static batches (prefill together, decode together) and
 * in-flight batching of a closed loop of clients (fused steps, KV-slot admission, Little's law for queueing).
 */
export interface InferenceEstimate {
  readonly batch: number;
  readonly ttftS: number;
  readonly interTokenLatencyS: number;
  /** output tokens per second of the whole TP group */
  readonly outputTokensPerS: number;
  readonly outputTokensPerSPerGpu: number;
  readonly requestLatencyS: number;
  readonly weightGBPerGpu: number;
  readonly kvCacheGBPerGpu: number;
  readonly maxBatch: number;
  readonly fits: boolean;
  /** one plain decode step of the decoding batch at the mean context, by term */
  readonly decodeStep: DecodeStepBreakdown;
}

/** Static batching: `batch` requests prefilled together, then decoded together. */
export function estimateStatic(pr: InferenceProblem, batch: number, inputLen: number, outputLen: number): InferenceEstimate {
  const ttft = pr.assumptions.ttftOverheadS + prefillS(pr, batch, inputLen);
  const itl = timePerTokenS(pr, batch, inputLen + outputLen / 2);
  const total = ttft + Math.max(0, outputLen - 1) * itl;
  return summary(pr, batch, inputLen, outputLen, ttft, itl, total, (batch * outputLen) / total);
}

/**
 * In-flight (continuous) batching at `batch` concurrent requests: every iteration decodes the running batch and
 * prefills the requests that replace finished ones (batch / outputLen per iteration on average).
 */
export function estimateContinuous(pr: InferenceProblem, batch: number, inputLen: number, outputLen: number): InferenceEstimate {
  // requests beyond what the KV cache holds wait in a queue (closed loop of `batch` clients). A request is admitted
  // only when its whole KV (prompt + output) is reserved: TensorRT-LLM's default GUARANTEED_NO_EVICT capacity
  // scheduler (engines that admit on current use and preempt, like vLLM, run up to ~(in + out) / (in + out/2) more)
  const running = Math.max(1, Math.min(batch, maxBatch(pr, inputLen + outputLen) || 1));
  // one in-flight step: the running sequences' decode (k + 1 query tokens each when verifying a draft) and the
  // prompts of the requests that replace finished ones share the weight GEMMs and the all-reduces (fused batch)
  const spec = pr.speculative && pr.speculative.draftTokens >= 1 ? pr.speculative : undefined;
  const q = spec ? spec.draftTokens + 1 : 1;
  const perStep = tokensPerStep(pr);
  const context = inputLen + outputLen / 2;
  const admitted = (running * perStep) / Math.max(1, outputLen);
  const tokens = running * q + admitted * freshTokens(pr, inputLen);
  const prefillAttn = admitted * prefillAttentionS(pr, 1, inputLen);
  const draftS = spec ? spec.draftTokens * spec.draftStepRatio * decodeStepS(pr, running, context) : 0;
  const step =
    gemmS(pr, tokens) +
    elementwiseS(pr, tokens) +
    decodeAttentionS(pr, running, context, q) +
    prefillAttn +
    commAndLaunchS(pr, tokens) +
    draftS;
  const iteration = step / perStep;
  const prefillShare = Math.min(0.95, (admitted * prefillS(pr, 1, inputLen)) / step);
  const serviceS = pr.assumptions.ttftOverheadS + prefillS(pr, 1, inputLen) / (1 - prefillShare);
  // closed loop of `batch` clients (Little's law): one request's cycle is batch · outputLen / throughput; what
  // the decode iterations do not account for is time to first token (queueing for a KV slot included)
  const cycleS = (batch * outputLen * iteration) / running;
  const ttft = Math.max(serviceS, cycleS - Math.max(0, outputLen - 1) * iteration);
  const total = ttft + Math.max(0, outputLen - 1) * iteration;
  return summary(pr, batch, inputLen, outputLen, ttft, iteration, total, running / iteration, running);
}

function summary(
  pr: InferenceProblem,
  batch: number,
  inputLen: number,
  outputLen: number,
  ttft: number,
  itl: number,
  total: number,
  tps: number,
  decoding = batch,
): InferenceEstimate {
  const ctx = inputLen + outputLen;
  const mb = maxBatch(pr, ctx);
  return {
    batch,
    ttftS: ttft,
    interTokenLatencyS: itl,
    outputTokensPerS: tps,
    outputTokensPerSPerGpu: tps / pr.tp,
    requestLatencyS: total,
    weightGBPerGpu: weightBytesPerGpu(pr) / 1e9,
    kvCacheGBPerGpu: (batch * ctx * kvBytesPerToken(pr)) / 1e9,
    maxBatch: mb,
    fits: batch <= mb,
    decodeStep: decodeStepBreakdown(pr, decoding, inputLen + outputLen / 2),
  };
}

/** The throughput-optimal continuous batch that fits memory (capped at `cap`). */
export function bestThroughput(pr: InferenceProblem, inputLen: number, outputLen: number, cap = 4096): InferenceEstimate {
  const mb = Math.max(1, Math.min(cap, maxBatch(pr, inputLen + outputLen)));
  return estimateContinuous(pr, mb, inputLen, outputLen);
}
