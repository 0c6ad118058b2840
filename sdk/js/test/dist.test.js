// dist/ is committed (driveway dev serves it without a build step), so it
// must be exactly what tsc builds from src/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { requireSetup, sdkRoot } from "./harness.js";

test("dist/ is up to date with src/ (run `npm run build` and commit dist/ if this fails)", async () => {
  requireSetup();
  const out = await mkdtemp(join(tmpdir(), "driveway-sdk-dist-"));
  try {
    const tsc = join(sdkRoot, "node_modules", "typescript", "bin", "tsc");
    await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.json", "--outDir", out], { cwd: sdkRoot });
    const built = (await readdir(out)).sort();
    const committed = (await readdir(join(sdkRoot, "dist"))).sort();
    assert.deepEqual(committed, built, "dist/ has different files than a fresh build");
    for (const f of built) {
      const want = await readFile(join(out, f), "utf8");
      const got = await readFile(join(sdkRoot, "dist", f), "utf8");
      assert.equal(got, want, `dist/${f} is stale`);
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
