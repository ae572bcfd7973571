import type { Command } from "commander";
import { InvalidInputError } from "@aidc/core/errors";
import type { Io } from "../output.js";

/** One command of the tree: its path from the root ("" for aidc itself), subcommands and options. */
export interface CompletionNode {
  readonly path: string;
  readonly subs: readonly { readonly name: string; readonly description: string }[];
  readonly options: readonly { readonly long?: string; readonly short?: string; readonly description: string }[];
}

/** Flatten a commander program into one node per command (every command module must be registered). */
export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string): void => {
    const subs = cmd.commands.map((c) => ({ name: c.name(), description: c.description() }));
    if (path === "") subs.push({ name: "help", description: "display help for command" });
    const options = cmd.options.map((o) => ({
      ...(o.long !== undefined ? { long: o.long } : {}),
      ...(o.short !== undefined ? { short: o.short } : {}),
      description: o.description,
    }));
    options.push({ long: "--help", short: "-h", description: "display help for command" });
    if (path === "" && !options.some((o) => o.long === "--version"))
      options.push({ long: "--version", short: "-V", description: "output the version number" });
    if (path === "") options.push({ long: "--context", description: "talk to the server of this context" });
    nodes.push({ path, subs, options });
    for (const c of cmd.commands) visit(c, path === "" ? c.name() : `${path} ${c.name()}`);
  };
  visit(program, "");
  return nodes;
}

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const firstLine = (s: string): string => (s.split("\n")[0] ?? "").replace(/\s+/g, " ").trim();

export function bashScript(nodes: readonly CompletionNode[]): string {
  const paths = nodes.filter((n) => n.path !== "").map((n) => sq(n.path));
  const cases = nodes.map((n) => {
    const subs = n.subs.map((s) => s.name).join(" ");
    const opts = n.options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined)).join(" ");
    return `    ${sq(n.path)}) subs=${sq(subs)}; opts=${sq(opts)} ;;`;
  });
  return `# aidc completion for bash: source <(aidc completion bash), or save it under /etc/bash_completion.d/aidc
_aidc() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" key="" w i subs="" opts=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    case "\${key:+$key }$w" in
      ${paths.join("|")}) key="\${key:+$key }$w" ;;
    esac
  done
  case "$key" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  fi
}
complete -o default -o bashdefault -F _aidc aidc
`;
}

export function zshScript(nodes: readonly CompletionNode[]): string {
  const paths = nodes.filter((n) => n.path !== "").map((n) => sq(n.path));
  const cases = nodes.map((n) => {
    const subs = n.subs.map((s) => sq(`${s.name.replace(/:/g, "\\:")}:${firstLine(s.description)}`));
    const opts = n.options.flatMap((o) =>
      [o.long, o.short].filter((x): x is string => x !== undefined).map((f) => sq(`${f}:${firstLine(o.description)}`)),
    );
    return `    (${sq(n.path)}) subs=(${subs.join(" ")}); opts=(${opts.join(" ")}) ;;`;
  });
  return `#compdef aidc
# aidc completion for zsh: source <(aidc completion zsh) after compinit, or save it as _aidc in your $fpath
_aidc() {
  local key="" w i
  local -a subs opts
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -* ]] && continue
    case "\${key:+$key }$w" in
      (${paths.join("|")}) key="\${key:+$key }$w" ;;
    esac
  done
  case "$key" in
${cases.join("\n")}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options option opts
  elif (( \${#subs} )); then
    _describe -t commands command subs
  else
    _files
  fi
}
compdef _aidc aidc
`;
}

const fq = (s: string): string => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function fishScript(nodes: readonly CompletionNode[]): string {
  const paths = nodes.filter((n) => n.path !== "").map((n) => fq(n.path));
  const lines: string[] = [];
  for (const n of nodes) {
    const at = `-n ${fq(`__aidc_at ${fq(n.path)}`)}`;
    for (const s of n.subs) lines.push(`complete -c aidc ${at} -f -a ${fq(s.name)} -d ${fq(firstLine(s.description))}`);
    for (const o of n.options) {
      const flags = [o.long ? `-l ${fq(o.long.slice(2))}` : "", o.short ? `-s ${fq(o.short.slice(1))}` : ""].filter(Boolean);
      lines.push(`complete -c aidc ${at} ${flags.join(" ")} -d ${fq(firstLine(o.description))}`);
    }
  }
  return `# aidc completion for fish: aidc completion fish > ~/.config/fish/completions/aidc.fish
set -g __aidc_paths ${paths.join(" ")}
function __aidc_path
  set -l key
  for w in (commandline -opc)[2..-1]
    string match -q -- '-*' $w; and continue
    set -l cand (string join ' ' $key $w)
    contains -- $cand $__aidc_paths; and set key $cand
  end
  string join ' ' $key
end
function __aidc_at
  set -l p (__aidc_path)
  test "$p" = "$argv[1]"
end
${lines.join("\n")}
`;
}

const SHELLS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** `everyCommand` builds a program with every command module registered (commands/index.ts passes it). */
export function registerCompletion(program: Command, io: Io, everyCommand: (io: Io) => Promise<Command>): void {
  program
    .command("completion")
    .description("print a shell completion script: aidc completion bash|zsh|fish")
    .argument("<shell>", "bash | zsh | fish")
    .addHelpText("after", "\nExamples:\n  source <(aidc completion bash)\n  aidc completion fish > ~/.config/fish/completions/aidc.fish\n")
    .action(async (shell: string) => {
      const make = (SHELLS as Record<string, (nodes: readonly CompletionNode[]) => string>)[shell];
      if (make === undefined)
        throw new InvalidInputError(`Unknown shell "${shell}"`, [
          { code: "invalid_value", path: "shell", message: `use bash, zsh or fish, not "${shell}"` },
        ]);
      // every command module, so the script knows every subcommand and option
      io.out(make(completionTree(await everyCommand(io))));
    });
}
