#!/usr/bin/env node
// Entry point of the `roomcast` command (compiled to dist/cli/bin.js, the package's `bin`).
import { main } from "./main.ts";

const code = await main(process.argv.slice(2));
// Exit explicitly (stdin or a socket may still hold the loop open), once stdout has flushed.
process.stdout.write("", () => process.exit(code));
