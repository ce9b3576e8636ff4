// Builds the npm package's code (roomcast/client, /react, /server and the CLI) into dist/ as ESM + .d.ts.
// Two tsc programs: the Workers side and the browser/Node side need different global types.
// dist/web (the page, scripts/build-web.mjs) is left alone.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = ["cli", "client", "react", "room", "server", "shared", "worker"];
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

// `npm pack` and `npm publish` run prepack (which builds) and then prepare: build once.
const { npm_lifecycle_event: event, npm_command: command } = process.env;
if (event === "prepare" && (command === "pack" || command === "publish")) {
  console.log("build-lib: already built by prepack");
  process.exit(0);
}

const started = Date.now();
await Promise.all(OUT.map((d) => rm(join(root, "dist", d), { recursive: true, force: true })));
// The build tsconfigs live beside this script.
for (const project of ["scripts/tsconfig.build.json", "scripts/tsconfig.build.server.json"]) {
  const r = spawnSync(process.execPath, [tsc, "-p", project], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`build-lib: tsc -p ${project} failed`);
    process.exit(r.status ?? 1);
  }
}
// tsc rewrites "./x.ts" to "./x.js" in the JavaScript it emits but not in declarations: do it there too,
// so consumers resolve the types without allowImportingTsExtensions.
for (const d of OUT.filter((d) => existsSync(join(root, "dist", d)))) {
  for (const f of await readdir(join(root, "dist", d), { recursive: true })) {
    if (!f.endsWith(".d.ts")) continue;
    const path = join(root, "dist", d, f);
    const text = await readFile(path, "utf8");
    const fixed = text.replace(/((?:from|import)\s*\(?\s*)(["'])(\.{1,2}\/[^"']+)\.ts\2/g, "$1$2$3.js$2");
    if (fixed !== text) await writeFile(path, fixed);
  }
}
await chmod(join(root, "dist/cli/bin.js"), 0o755);
console.log(`build-lib: dist/{${OUT.join(",")}} in ${Date.now() - started} ms`);
