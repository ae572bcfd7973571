import type { Command } from "commander";
import { connection, requestJson, type ConnectionFlags } from "../client/http.js";
import { paint, printJson, printTable, type Io } from "../output.js";

interface StatusView {
  version: string;
  store: { backend: string; location: string };
  replica: string;
  leader: { replica: string; token: number; expiresAtMs: number } | null;
  replicas: { id: string; leader: boolean; alive: boolean; heartbeatExpiresAtMs: number }[];
}

export function registerStatus(program: Command, io: Io): void {
  program
    .command("status")
    .description("the server's store, its replicas and which one leads (runs scheduling)")
    .option("--url <url>", "server URL (default $AIDC_URL or http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (default $AIDC_TOKEN)")
    .option("--json", "print one JSON document")
    .action(async (opts: ConnectionFlags & { json?: boolean }) => {
      const s = await requestJson<StatusView>(connection(opts), "GET", "/api/v1/status");
      if (opts.json) return printJson(io, s);
      io.out(`aidc ${s.version}; store ${s.store.backend} ${s.store.location}; answered by ${s.replica}\n`);
      io.out(
        s.leader
          ? `leader: ${s.leader.replica} (term ${s.leader.token})\n`
          : `leader: ${paint(io, "yellow", "none")} (no replica holds the lease now)\n`,
      );
      if (s.replicas.length === 0) return;
      const now = Date.now();
      printTable(
        io,
        ["REPLICA", "ROLE", "STATE", "HEARTBEAT"],
        s.replicas.map((r) => [
          r.id,
          r.leader ? paint(io, "green", "leader") : "follower",
          r.alive ? "up" : paint(io, "red", "gone"),
          r.alive
            ? `expires in ${Math.max(0, (r.heartbeatExpiresAtMs - now) / 1000).toFixed(1)} s`
            : `${((now - r.heartbeatExpiresAtMs) / 1000).toFixed(0)} s ago`,
        ]),
      );
    });
}
