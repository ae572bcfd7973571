#!/usr/bin/env node
// Re-cuts the committed fixtures in examples/data/ from the full-size copies in ../shared/data (or $AIDC_SHARED_DATA).
// Usage: node examples/data/cut.mjs   (run from anywhere; overwrites the fixture files, never the READMEs)
// Every slice is a deterministic selection of whole rows or whole files, in the source's order; gzip level 9.
// Each folder's README says what was kept and where the full data comes from.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const shared = process.env.AIDC_SHARED_DATA || resolve(here, "..", "..", "..", "shared", "data");

const read = (rel) => {
  const buf = readFileSync(join(shared, rel));
  return rel.endsWith(".gz") ? gunzipSync(buf).toString("utf8") : buf.toString("utf8");
};
const write = (rel, text) => {
  const out = join(here, rel);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, rel.endsWith(".gz") ? gzipSync(text, { level: 9 }) : text);
};
const copy = (from, to) => {
  mkdirSync(dirname(join(here, to)), { recursive: true });
  copyFileSync(join(shared, from), join(here, to));
};
/** The first n lines (after the header when header is true), newline-terminated. */
const head = (text, n, header = false) =>
  text
    .split("\n")
    .slice(0, n + (header ? 1 : 0))
    .join("\n") + "\n";

// IMDB: the rows are pre-shuffled (sorted by sha256 of id), so the first rows are a fair, balanced sample.
write("imdb/train.jsonl.gz", head(read("imdb/train.jsonl.gz"), 2000));
write("imdb/test.jsonl.gz", head(read("imdb/test.jsonl.gz"), 1000));

// Philly: the jobs submitted in the week 2017-10-02 00:00:00 .. 2017-10-08 23:59:59, in the file's (unsorted) order.
{
  const [headerLine, ...rows] = read("traces/philly/philly_jobs.csv.gz").trimEnd().split("\n");
  const kept = rows.filter((r) => r >= "2017-10-02" && r < "2017-10-09");
  write("philly/philly_jobs.csv.gz", [headerLine, ...kept].join("\n") + "\n");
  copy("traces/philly/helios_philly_vc_nodes.csv", "philly/helios_philly_vc_nodes.csv");
  copy("traces/philly/cluster_machine_list.csv", "philly/cluster_machine_list.csv");
}

// openb (Alibaba GPU 2023): the GPU node list and the default pod list whole; heads of two variant pod lists.
{
  const csv = "traces/alibaba-gpu-2023/csv";
  copy(`${csv}/openb_node_list_gpu_node.csv`, "openb/openb_node_list_gpu_node.csv");
  copy(`${csv}/openb_pod_list_default.csv.gz`, "openb/openb_pod_list_default.csv.gz");
  write("openb/openb_pod_list_gpuspec33.csv.gz", head(read(`${csv}/openb_pod_list_gpuspec33.csv.gz`), 400, true));
  write("openb/openb_pod_list_multigpu40.csv.gz", head(read(`${csv}/openb_pod_list_multigpu40.csv.gz`), 200, true));
}

// NAB: whole, unmodified CSVs of a few series; the label files reduced to them (NAB's 4-space JSON, no final newline).
{
  const files = [
    "artificialNoAnomaly/art_daily_small_noise.csv",
    "artificialNoAnomaly/art_flatline.csv",
    "artificialWithAnomaly/art_daily_jumpsup.csv",
    "artificialWithAnomaly/art_daily_flatmiddle.csv",
    "artificialWithAnomaly/art_load_balancer_spikes.csv",
    "realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv",
    "realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv",
    "realAWSCloudwatch/ec2_network_in_257a54.csv",
  ];
  for (const f of files) copy(`nab/${f}`, `nab/${f}`);
  for (const labels of ["combined_windows.json", "combined_labels.json"]) {
    const all = JSON.parse(read(`nab/${labels}`));
    write(`nab/${labels}`, JSON.stringify(Object.fromEntries(files.map((f) => [f, all[f]])), null, 4));
  }
  copy("nab/LICENSE.txt", "nab/LICENSE.txt");
}

// Azure LLM inference 2023: the first 3,000 requests of each file (in time order, as in the source).
for (const f of ["AzureLLMInferenceTrace_code.csv.gz", "AzureLLMInferenceTrace_conv.csv.gz"])
  write(`azure-llm-inference-2023/${f}`, head(read(`traces/azure-llm-inference-2023/${f}`), 3000, true));

// Tiresias: the 60-job sample, whole.
copy("traces/tiresias-sample/60_job.csv", "tiresias/60_job.csv");

// The planner validation set, whole.
copy("planner-validation.yaml", "planner-validation.yaml");
