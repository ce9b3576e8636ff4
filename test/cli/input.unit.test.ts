// What typed or piped lines mean in `roomcast connect`.
import { describe, expect, it } from "vitest";
import { parseInput } from "../../src/cli/connect/input.ts";

describe("parseInput", () => {
  it("publishes plain text as a string, keeping spaces", () => {
    expect(parseInput("hello world")).toEqual({ kind: "publish", data: "hello world" });
    expect(parseInput('{"looks":"like json"}')).toEqual({ kind: "publish", data: '{"looks":"like json"}' });
    expect(parseInput("  indented ")).toEqual({ kind: "publish", data: "  indented " });
    expect(parseInput("crlf\r")).toEqual({ kind: "publish", data: "crlf" });
  });

  it("in chat mode (a terminal) publishes plain text as {text}, like the page", () => {
    expect(parseInput("hello world", "chat")).toEqual({ kind: "publish", data: { text: "hello world" } });
    expect(parseInput("//slash", "chat")).toEqual({ kind: "publish", data: { text: "/slash" } });
    expect(parseInput("/json 42", "chat")).toEqual({ kind: "publish", data: 42 });
  });

  it("ignores blank lines", () => {
    expect(parseInput("")).toEqual({ kind: "empty" });
    expect(parseInput("   \r")).toEqual({ kind: "empty" });
  });

  it("publishes JSON with /json", () => {
    expect(parseInput('/json {"x":[1,2]}')).toEqual({ kind: "publish", data: { x: [1, 2] } });
    expect(parseInput("/json 42")).toEqual({ kind: "publish", data: 42 });
    expect(parseInput("/json {nope")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("not valid JSON"),
    });
    expect(parseInput("/json")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("usage: /json"),
    });
  });

  it("escapes a leading slash with //", () => {
    expect(parseInput("//etc/hosts")).toEqual({ kind: "publish", data: "/etc/hosts" });
  });

  it("parses /dm, /who, /help, /quit", () => {
    expect(parseInput("/dm bob hi there")).toEqual({ kind: "dm", to: "bob", data: "hi there" });
    expect(parseInput("/dm bob")).toMatchObject({ kind: "invalid", message: "usage: /dm <user> <text>" });
    expect(parseInput("/who")).toEqual({ kind: "who" });
    expect(parseInput("/help")).toEqual({ kind: "help" });
    expect(parseInput("/quit")).toEqual({ kind: "quit" });
    expect(parseInput("/exit")).toEqual({ kind: "quit" });
  });

  it("refuses unknown commands with a hint", () => {
    expect(parseInput("/frob x")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("unknown command /frob"),
    });
  });
});
