// The CLI's small fetch over node:http(s): requests, answers and remembered failures, against a local server.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeTransportError, nodeTransport } from "../../src/cli/connect/node-transport.ts";
import { freePort } from "../support/dev-server.ts";

let server: Server;
let base = "";
let last: { method?: string; url?: string; headers: IncomingMessage["headers"]; body: string } | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      last = { method: req.method, url: req.url, headers: req.headers, body };
      if (req.url === "/empty") {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(req.url === "/missing" ? 404 : 201, {
        "content-type": "application/json",
        "x-multi": ["a", "b"],
      });
      res.end(JSON.stringify({ ok: req.url !== "/missing" }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("nodeTransport().fetch", () => {
  it("sends method, headers and a string body, and returns a Response", async () => {
    const t = nodeTransport({ insecure: false });
    const res = await t.fetch(`${base}/rooms/r/messages`, {
      method: "POST",
      headers: { authorization: "Bearer x", "content-type": "application/json" },
      body: '{"data":"é"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-multi")).toBe("a, b");
    expect(await res.json()).toEqual({ ok: true });
    expect(last).toMatchObject({ method: "POST", url: "/rooms/r/messages", body: '{"data":"é"}' });
    expect(last?.headers.authorization).toBe("Bearer x");
    expect(last?.headers["content-length"]).toBe(String(Buffer.byteLength('{"data":"é"}')));
    expect(t.lastError()).toBeNull();
  });

  it("passes error statuses through and handles bodiless answers", async () => {
    const t = nodeTransport({ insecure: false });
    const missing = await t.fetch(new URL(`${base}/missing`));
    expect(missing.ok).toBe(false);
    expect(missing.status).toBe(404);
    const empty = await t.fetch(`${base}/empty`);
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe("");
  });

  it("rejects and remembers the error when nothing listens", async () => {
    const port = await freePort();
    const t = nodeTransport({ insecure: false });
    await expect(t.fetch(`http://127.0.0.1:${port}/auth/check`)).rejects.toThrow(/ECONNREFUSED/);
    expect(t.lastError()?.message).toContain("ECONNREFUSED");
  });
});

describe("describeTransportError", () => {
  it("adds the --insecure hint to certificate errors only", () => {
    const cert = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(describeTransportError(cert)).toBe(
      "self-signed certificate (use --insecure to accept a self-signed certificate)",
    );
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(describeTransportError(refused)).toBe("connect ECONNREFUSED 127.0.0.1:1");
  });
});
