// Test harness: a real Driveway (`driveway dev` with the Microsoft emulator)
// in a child process, user tokens from `driveway token`, and a fake browser
// window whose popup follows the install flow with fetch.
//
//   DRIVEWAY_BIN=/path/to/driveway  use a prebuilt binary instead of
//                                   `go build ./cmd/driveway` (once per file)

import { spawn, execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const sdkRoot = fileURLToPath(new URL("../", import.meta.url));
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Fails with the fix when setup.sh has not been run. */
export function requireSetup() {
  if (!existsSync(join(sdkRoot, "node_modules", "typescript"))) {
    throw new Error("sdk/js/node_modules is missing: run sdk/js/setup.sh (npm ci) first");
  }
}

async function driveBinary(dir) {
  if (process.env.DRIVEWAY_BIN) return process.env.DRIVEWAY_BIN;
  const bin = join(dir, "driveway");
  await run("go", ["build", "-o", bin, "./cmd/driveway"], { cwd: repoRoot, maxBuffer: 1 << 24 });
  return bin;
}

async function waitFor(what, deadlineMs, fn) {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err.fatal) throw err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts `driveway dev --emulator-auto-consent` on 127.0.0.1:0 with a fresh
 * data directory. Returns {baseUrl, projectId, info, token(sub), stop()}.
 */
export async function startDriveway() {
  requireSetup();
  const dir = await mkdtemp(join(tmpdir(), "driveway-sdk-"));
  const bin = await driveBinary(dir).catch(async (err) => {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`go build ./cmd/driveway failed: ${err.stderr ?? err.message}`);
  });
  const dataDir = join(dir, "data");
  const child = spawn(bin, ["dev", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--emulator-auto-consent"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr = (stderr + c).slice(-8000)));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  let info;
  try {
    info = await waitFor("dev.json", 60_000, async () => {
      if (child.exitCode !== null) throw Object.assign(new Error(`exited with ${child.exitCode}`), { fatal: true });
      return JSON.parse(await readFile(join(dataDir, "dev.json"), "utf8"));
    });
    await waitFor("healthz", 30_000, async () => (await fetch(info.publicUrl + "/healthz")).ok);
  } catch (err) {
    child.kill();
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`driveway dev did not start: ${err.message}\n${stderr}`);
  }
  return {
    baseUrl: info.publicUrl,
    projectId: info.projectId,
    info,
    async token(sub, ttl = "1h") {
      const { stdout } = await run(bin, ["token", "--sub", sub, "--ttl", ttl, "--data-dir", dataDir]);
      return stdout.trim();
    },
    stderr: () => stderr,
    async stop() {
      child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A stand-in for the browser window the SDK opens popups from. Its popup
 * loads each URL with fetch, following redirects by hand with its own
 * cookie jar, and plays the part of the pages' scripts: the oauth-nonce
 * page announces itself to the opener ("oauth-nonce-loaded"), the
 * emulator's form_post page is submitted, and the /oauth callback page
 * posts its message to the opener and closes the popup.
 */
export class FakeWindow {
  /**
   * origin is the page's origin (it must be one the project allows).
   * With deliverCallbackMessage false, the /oauth page's message is not
   * delivered, so the SDK must finish by polling.
   */
  constructor(origin, { deliverCallbackMessage = true } = {}) {
    this.location = { origin };
    this.deliverCallbackMessage = deliverCallbackMessage;
    this.listeners = new Set();
    this.popups = [];
    this.blockPopups = false;
  }

  open(url) {
    if (this.blockPopups) return null;
    const popup = new FakePopup(this);
    this.popups.push(popup);
    if (url) popup.navigate(url); // else opened blank: the SDK sends it on
    return popup;
  }

  addEventListener(type, l) {
    if (type === "message") this.listeners.add(l);
  }

  removeEventListener(type, l) {
    this.listeners.delete(l);
  }

  /** Delivers a message as if posted from origin. */
  post(origin, data) {
    for (const l of [...this.listeners]) l({ origin, data });
  }
}

class FakePopup {
  constructor(opener) {
    this.opener = opener;
    this.closed = false;
    this.cookies = new Map();
    this.pages = [];
    this.errors = [];
    const self = this;
    this.location = {
      get href() {
        return self.pages.at(-1) ?? "about:blank";
      },
      set href(url) {
        self.navigate(url);
      },
    };
  }

  close() {
    this.closed = true;
  }

  navigate(url, init = {}) {
    this.openedWith ??= url;
    this.load(url, init).catch((err) => {
      this.errors.push(err);
      this.closed = true;
    });
  }

  async load(url, init) {
    for (let hops = 0; hops < 20 && !this.closed; hops++) {
      const u = new URL(url);
      const headers = { ...(init.headers ?? {}) };
      const jar = this.cookies.get(u.host);
      if (jar?.size) headers.Cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await fetch(url, { ...init, headers, redirect: "manual" });
      this.keepCookies(u.host, res);
      this.pages.push(url);
      if (res.status >= 300 && res.status < 400 && res.headers.get("Location")) {
        url = new URL(res.headers.get("Location"), url).toString();
        init = {};
        continue;
      }
      return this.render(u, res, await res.text());
    }
  }

  keepCookies(host, res) {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [pair] = c.split(";");
      const i = pair.indexOf("=");
      if (!this.cookies.has(host)) this.cookies.set(host, new Map());
      this.cookies.get(host).set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }

  // render plays the page's script.
  async render(u, res, html) {
    if (u.pathname.endsWith("/sdk/actions/oauth-nonce")) {
      if (!res.ok || !html.includes("oauth-nonce-loaded")) throw new Error(`oauth-nonce page: ${res.status}`);
      this.opener.post(u.origin, { type: "oauth-nonce-loaded" });
      return;
    }
    const form = html.match(/<form[^>]*method="?post"?[^>]*action="([^"]+)"/i);
    if (form && /form_post|onload|submit\(\)/i.test(html) && !html.includes('id="consent"')) {
      const body = new URLSearchParams();
      for (const m of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) body.set(decode(m[1]), decode(m[2]));
      this.navigate(new URL(decode(form[1]), u).toString(), {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      });
      return;
    }
    if (u.pathname === "/connect/") {
      // The Connect Portal stays open until the test closes it.
      this.portal = { status: res.status, html };
      return;
    }
    if (u.pathname === "/oauth") {
      this.callback = { status: res.status, html };
      const msg = html.match(/var msg = (\{.*?\});\n/s);
      if (msg && this.opener.deliverCallbackMessage) this.opener.post(u.origin, JSON.parse(msg[1]));
      this.closed = true;
      return;
    }
    throw new Error(`unexpected page ${u.origin}${u.pathname}: ${res.status}`);
  }
}

function decode(s) {
  return s
    .replace(/&amp;/g, "&")
    .replace(/&#43;/g, "+")
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}
