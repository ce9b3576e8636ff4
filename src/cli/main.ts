// The roomcast command: parses the command line, runs the command, and maps failures to exit codes.
import { readFileSync } from "node:fs";
import { errorMessage } from "../shared/errors.ts";
import { type Command, parseCommandLine } from "./args.ts";
import { runConnect } from "./connect/connect.ts";
import { CliError, EXIT } from "./errors.ts";
import { helpText } from "./help.ts";
import { runHistory, runInfo, runKick, runPublish } from "./http.ts";
import { type CliIo, processIo } from "./io.ts";
import { runRooms } from "./rooms.ts";
import { runToken } from "./tokens/token.ts";
import { runTop } from "./top.ts";

/** Runs `roomcast <argv…>` and resolves with the exit code. Failures print one `roomcast: …` line on stderr. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await run(parseCommandLine(argv), io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`roomcast: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`roomcast: ${errorMessage(err)}\n`);
    return EXIT.FAILURE;
  }
}

function run(cmd: Command, io: CliIo): Promise<number> {
  switch (cmd.command) {
    case "help":
      io.stdout.write(`${helpText(cmd.topic)}\n`);
      return Promise.resolve(EXIT.OK);
    case "version":
      io.stdout.write(`${version()}\n`);
      return Promise.resolve(EXIT.OK);
    case "connect":
      return runConnect(cmd, io);
    case "token":
      return runToken(cmd, io);
    case "publish":
      return runPublish(cmd, io);
    case "info":
      return runInfo(cmd, io);
    case "kick":
      return runKick(cmd, io);
    case "history":
      return runHistory(cmd, io);
    case "rooms":
      return runRooms(cmd, io);
    case "top":
      return runTop(cmd, io);
  }
}

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string"
    ? pkg.version
    : "unknown";
}
