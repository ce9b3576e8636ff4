import { errorMessage } from "../../shared/errors.ts";
// What a typed (or piped) line means in `roomcast connect`: publish text or JSON, or a /command.

/** One line of input, decided. */
export type InputAction =
  | { kind: "empty" }
  | { kind: "publish"; data: unknown }
  | { kind: "dm"; to: string; data: string }
  | { kind: "signal"; data: unknown }
  | { kind: "who" }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "invalid"; message: string };

/** How plain text is published: `chat` (a terminal) as `{"text": …}` like the page, `pipe` as a JSON string. */
export type InputMode = "chat" | "pipe";

/**
 * Plain text publishes the text (as `{"text": …}` in chat mode, a JSON string in pipe mode);
 * `/json <JSON>` publishes any JSON value; `//x` publishes "/x" the same way as plain text. Blank
 * lines are ignored. A trailing "\r" (CRLF input) is dropped.
 */
export function parseInput(raw: string, mode: InputMode = "pipe"): InputAction {
  const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
  if (line.trim() === "") return { kind: "empty" };
  const text = (t: string): unknown => (mode === "chat" ? { text: t } : t);
  if (!line.startsWith("/")) return { kind: "publish", data: text(line) };
  if (line.startsWith("//")) return { kind: "publish", data: text(line.slice(1)) };
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line);
  const cmd = m?.[1] ?? "";
  const rest = m?.[2] ?? "";
  switch (cmd) {
    case "json":
      return withJson("json", rest, (data) => ({ kind: "publish", data }));
    case "typing":
      return { kind: "signal", data: { typing: true } };
    case "signal":
      return withJson("signal", rest, (data) => ({ kind: "signal", data }));
    case "dm": {
      const dm = /^(\S+)\s+([\s\S]+)$/.exec(rest);
      if (!dm || dm[1] === undefined || dm[2] === undefined)
        return { kind: "invalid", message: "usage: /dm <user> <text>" };
      return { kind: "dm", to: dm[1], data: dm[2] };
    }
    case "who":
      return { kind: "who" };
    case "help":
    case "?":
      return { kind: "help" };
    case "quit":
    case "exit":
    case "q":
      return { kind: "quit" };
    default:
      return {
        kind: "invalid",
        message: `unknown command /${cmd} (try /help; start with // to send a line beginning with /)`,
      };
  }
}

/** `/<cmd> <JSON>`: the action for the parsed value, or why the argument is missing or not JSON. */
function withJson(cmd: string, rest: string, action: (data: unknown) => InputAction): InputAction {
  if (rest.trim() === "") return { kind: "invalid", message: `usage: /${cmd} <JSON>, e.g. /${cmd} {"x":1}` };
  let data: unknown;
  try {
    data = JSON.parse(rest);
  } catch (err) {
    return {
      kind: "invalid",
      message: `/${cmd}: not valid JSON (${errorMessage(err)})`,
    };
  }
  return action(data);
}
