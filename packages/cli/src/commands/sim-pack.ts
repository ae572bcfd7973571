import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { InvalidInputError, issue, type Issue } from "@aidc/core";
import { PLACEMENT_NAMES, isPlacementName } from "@aidc/scheduler";
import { readOpenbNodes, readOpenbPods, runPackSeed, summarizePack } from "@aidc/simulator";
import { resolveDataArg } from "../data/cache.js";
import { findDataset } from "../data/registry.js";
import { printJson, printTable, type Io } from "../output.js";
import { startProgress } from "../progress.js";
import { readText } from "./sim-input.js";

interface PackCliOpts {
  pods: string;
  nodes: string;
  policy: string;
  inflate: string;
  seeds: string;
  coverage: string;
  json?: boolean;
}

function located(file: string, issues: readonly Issue[]): Issue[] {
  // readers put "line N.column" in the path and N in `line`; show "file.csv: column (line N)"
  return issues.map((i) => ({
    ...i,
    path: `${basename(file)}: ${i.line === undefined ? i.path : i.path.replace(/^line \d+\.?/, "") || "(row)"}`,
  }));
}

/** A file or a dataset name: `--pods openb` is its default pod list, `--nodes openb` its GPU-node list (what FGD uses). */
function inputPath(arg: string, option: "--pods" | "--nodes"): string {
  const nodes = option === "--nodes" && !arg.includes("/") && findDataset(arg)?.name === "openb";
  return resolveDataArg(nodes ? "openb/openb_node_list_gpu_node.csv" : arg, option).path;
}

/** Parse and check every option; all problems at once (exit 2). */
function parseOptions(opts: PackCliOpts): { inflate: number; seeds: number[]; coverage: number } {
  const issues: Issue[] = [];
  if (!isPlacementName(opts.policy)) {
    issues.push(issue("unknown_policy", "--policy", `unknown placement "${opts.policy}"; one of ${PLACEMENT_NAMES.join(", ")}`));
  }
  const inflate = Number(opts.inflate);
  if (!Number.isFinite(inflate) || inflate <= 0 || inflate > 10)
    issues.push(issue("bad_option", "--inflate", `must be a number in (0, 10], got "${opts.inflate}"`));
  const seeds = opts.seeds.split(",").map((s) => Number(s.trim()));
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    issues.push(issue("bad_option", "--seeds", `must be a comma-separated list of non-negative integers, got "${opts.seeds}"`));
  }
  const coverage = Number(opts.coverage);
  if (!Number.isFinite(coverage) || coverage <= 0 || coverage > 100)
    issues.push(issue("bad_option", "--coverage", `must be in (0, 100], got "${opts.coverage}"`));
  if (issues.length > 0) throw new InvalidInputError("invalid options", issues);
  return { inflate, seeds, coverage };
}

/** `aidc sim pack`: the FGD (ATC'23) packing experiment on the Alibaba openb node and pod lists. */
export function registerSimPack(program: Command, io: Io): void {
  const sim =
    program.commands.find((c) => c.name() === "sim") ??
    program.command("sim").description("replay cluster traces under scheduling policies (virtual time)");
  sim
    .command("pack")
    .description(
      "FGD packing experiment: pods re-sampled to --inflate x cluster GPUs, shuffled per seed, placed one by one (no departures); " +
        "GPU allocation and fragmentation vs arrived GPU request",
    )
    .requiredOption(
      "--pods <file|dataset>",
      "openb pod list CSV (.csv or .csv.gz), or openb[/<pod list>] once fetched (aidc data fetch openb)",
    )
    .requiredOption("--nodes <file|dataset>", "openb node list CSV (the FGD experiments use openb_node_list_gpu_node.csv; openb names it)")
    .option("--policy <name>", `placement: ${PLACEMENT_NAMES.join(", ")}`, "fgd")
    .option("--inflate <x>", "total GPU request as a multiple of cluster GPUs", "1.3")
    .option("--seeds <list>", "comma-separated seeds (results are means over them)", "42,43,44")
    .option("--coverage <pct>", "typical-pod coverage for the fragmentation measure, %", "95")
    .option("--json", 'print {"policy","seeds","allocPct":{"10":…,"130":…},"fragPct":{…},"unallocatedGpusAt130",…,"wallS"}')
    .action((opts: PackCliOpts) => {
      const { inflate, seeds, coverage } = parseOptions(opts);
      const nodesFile = inputPath(opts.nodes, "--nodes");
      const podsFile = inputPath(opts.pods, "--pods");
      const nodeRead = readOpenbNodes(readText(nodesFile, "--nodes").split("\n"), { file: nodesFile });
      const podRead = readOpenbPods(readText(podsFile, "--pods").split("\n"), { file: podsFile });
      const issues = [...located(nodesFile, nodeRead.issues), ...located(podsFile, podRead.issues)];
      const gpuNodes = nodeRead.records.filter((n) => n.gpus > 0);
      if (issues.length === 0 && gpuNodes.length === 0) issues.push(issue("no_gpu_nodes", "--nodes", "the node list has no GPU node"));
      if (issues.length === 0 && podRead.records.length === 0) issues.push(issue("no_pods", "--pods", "the pod list is empty"));
      if (issues.length > 0) throw new InvalidInputError("malformed trace", issues);
      const t0 = performance.now();
      const policy = opts.policy as (typeof PLACEMENT_NAMES)[number];
      const progress = startProgress({ ...io, json: opts.json === true }, `pack ${policy} (seeds)`, seeds.length);
      const results = seeds.map((seed) => {
        const r = runPackSeed(gpuNodes, podRead.records, policy, inflate, seed, coverage);
        progress.tick();
        return r;
      });
      progress.done();
      const summary = summarizePack({ policy, inflate, seeds, coveragePct: coverage }, gpuNodes, results);
      const wallS = Math.round((performance.now() - t0) / 10) / 100;
      if (opts.json) {
        printJson(io, { ...summary, wallS });
        return;
      }
      io.out(
        `${policy}: ${gpuNodes.length} GPU nodes, ${summary.totalGpus} GPUs, ${podRead.records.length} pods, seeds ${seeds.join(",")}, ${wallS} s\n`,
      );
      printTable(
        io,
        ["arrived % of GPUs", "GPU allocation %", "fragmented GPU %"],
        Object.keys(summary.allocPct).map((x) => [x, summary.allocPct[x], summary.fragPct[x]]),
      );
      io.out(`unallocated GPUs at ${Math.round(inflate * 100)} %: ${summary.unallocatedGpusAt130}\n`);
    });
}
