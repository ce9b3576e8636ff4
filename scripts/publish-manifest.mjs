// The published package.json has no `prepare` script: npm lists it as an install script (and warns)
// for every user, though it only builds a git checkout. `strip` (from prepack) removes it and keeps
// the original beside it; `restore` (from postpack) puts the original back. Same idea as pinst.
// Usage: node scripts/publish-manifest.mjs strip|restore

import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = join(root, "package.json");
const kept = join(root, ".package.json.prepack");

const action = process.argv[2];
if (action === "strip") {
  // A leftover copy means an earlier pack died between the two steps: that copy is the original.
  if (!existsSync(kept)) await writeFile(kept, await readFile(manifest));
  const text = await readFile(kept, "utf8");
  const pkg = JSON.parse(text);
  delete pkg.scripts?.prepare;
  await writeFile(manifest, `${JSON.stringify(pkg, null, 2)}\n`);
} else if (action === "restore") {
  if (existsSync(kept)) await rename(kept, manifest);
} else {
  console.error("usage: node scripts/publish-manifest.mjs strip|restore");
  process.exit(2);
}
