#!/usr/bin/env node
// Entry point of the `roomcast` command: runs the TypeScript CLI through Node's built-in type stripping.
if (!process.features.typescript) {
  process.stderr.write(
    `roomcast: needs Node.js >= 22.18 (built-in TypeScript type stripping); this is ${process.version}\n`,
  );
  process.exit(1);
}
const { main } = await import("../src/cli/main.ts");
const code = await main(process.argv.slice(2));
// Exit explicitly (stdin or a socket may still hold the loop open), once stdout has flushed.
process.stdout.write("", () => process.exit(code));
