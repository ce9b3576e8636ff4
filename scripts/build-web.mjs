// Builds the browser page (src/web) into dist/web, which wrangler serves as static assets.
// Plain Node ESM on purpose: wrangler's [build] may run it with whatever `node` is on PATH (20 or 22).

import { copyFile, mkdir, readdir, rm } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "src/web");
const outDir = join(root, "dist/web");
/** Files copied as they are; everything else in src/web is bundled source. */
const STATIC = new Set([".html", ".css", ".svg", ".ico", ".png", ".webmanifest", ".txt"]);

async function main() {
  const started = Date.now();
  await mkdir(outDir, { recursive: true });

  await build({
    // The chat page (/) and the admin page (/admin): two bundles, one per HTML file.
    entryPoints: { app: join(srcDir, "main.ts"), admin: join(srcDir, "admin/main.ts") },
    outdir: outDir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    legalComments: "none",
    logLevel: "warning",
  });

  const entries = await readdir(srcDir, { withFileTypes: true });
  const copied = entries.filter((e) => e.isFile() && STATIC.has(extname(e.name)));
  await Promise.all(copied.map((e) => copyFile(join(srcDir, e.name), join(outDir, e.name))));

  // Drop leftovers of earlier builds (renamed or deleted files) so they are not deployed.
  const bundles = ["app.js", "app.js.map", "admin.js", "admin.js.map"];
  const keep = new Set([...bundles, ...copied.map((e) => e.name)]);
  for (const name of await readdir(outDir)) {
    if (!keep.has(name)) await rm(join(outDir, name), { recursive: true, force: true });
  }
  console.log(`build-web: dist/web (${[...keep].join(", ")}) in ${Date.now() - started} ms`);
}

main().catch((err) => {
  // esbuild already printed its diagnostics; keep the exit code for wrangler and npm.
  console.error(`build-web failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
