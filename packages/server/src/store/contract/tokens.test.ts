import { expect, it } from "vitest";
import { describeStores } from "./harness.testing.js";

describeStores("TokenStore", (open, kit) => {
  it("creates tokens that verify as their principal, with an event, and counts them", async () => {
    const store = await open();
    expect(await store.tokens.count()).toBe(0);
    const alice = await store.tokens.create("alice", "operator", 100);
    const bob = await store.tokens.create("bob", "viewer", 101);
    expect(alice).toMatch(/^aidc_[A-Za-z0-9_-]{32}$/);
    expect(alice).not.toBe(bob);
    expect(await store.tokens.verify(alice)).toEqual({ user: "alice", role: "operator" });
    expect(await store.tokens.verify(bob)).toEqual({ user: "bob", role: "viewer" });
    expect(await store.tokens.count()).toBe(2);
    const [event] = await store.events.list(1, { subject: "user/bob" });
    expect(event).toMatchObject({ type: "token.created", atMs: 101, data: { role: "viewer" } });
    // the event never carries the token
    expect(JSON.stringify(await store.events.list(10))).not.toContain(alice.slice(5));
  });

  it("an unknown token verifies as nobody", async () => {
    const store = await open();
    await store.tokens.create("alice", "user", 1);
    expect(await store.tokens.verify("aidc_not-a-token")).toBeUndefined();
    expect(await store.tokens.verify("")).toBeUndefined();
  });

  it("a token created on one replica verifies on another", async () => {
    const url = await kit.freshUrl();
    const a = await kit.openUrl(url);
    const b = await kit.openUrl(url);
    const token = await a.tokens.create("carol", "admin", 5);
    expect(await b.tokens.verify(token)).toEqual({ user: "carol", role: "admin" });
    expect(await b.tokens.count()).toBe(1);
  });
});
