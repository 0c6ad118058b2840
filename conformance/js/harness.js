// Harness for the conformance tests: starts the Driveway emulator in a child
// process (conformance/cmd/emulatorserver), reads the one JSON line it
// prints, and builds a @microsoft/microsoft-graph-client Client pointed at it.
//
// The emulator is served over TLS with a throw-away self-signed certificate,
// because the Graph client attaches the access token only to https URLs whose
// host is a Graph host or in customHosts. Node is told to trust the
// certificate through an undici dispatcher passed as a fetch option, so no
// process-wide TLS setting changes.
//
// Set DRIVEWAY_EMULATOR_SERVER to a prebuilt emulatorserver binary to skip
// `go run` (conformance/run.sh does).

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { Client } from "@microsoft/microsoft-graph-client";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Starts an emulator. args are extra emulatorserver flags, e.g.
 * ["-page-size", "50"]. Returns {info, client, fetch, stop}. The emulator is
 * always strict about Authorization on pre-authenticated URLs (Microsoft may
 * answer 401 to it).
 */
export async function startEmulator(args = []) {
  args = ["-reject-preauth-authorization", ...args];
  const bin = process.env.DRIVEWAY_EMULATOR_SERVER;
  const [cmd, argv] = bin ? [bin, args] : ["go", ["run", "./conformance/cmd/emulatorserver", ...args]];
  const child = spawn(cmd, argv, { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const info = JSON.parse(await firstLine(child, 180_000));
  const dispatcher = new Agent({ connect: { ca: info.caPem } });
  const client = newClient(info, dispatcher);
  return {
    info,
    client,
    /** fetch with the emulator's certificate trusted (no Graph middleware). */
    fetch: (url, init = {}) => fetch(url, { ...init, dispatcher }),
    /** control calls the emulator's control API, e.g. control("POST", "/faults", {...}). */
    async control(method, path, body) {
      const res = await fetch(info.controlUrl + path, {
        method,
        dispatcher,
        headers: body ? { "Content-Type": "application/json" } : {},
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    /** clientFor returns a Graph client that uses another access token. */
    clientFor: (token) => newClient({ ...info, token }, dispatcher),
    async stop() {
      child.stdin.end();
      await exited;
      await dispatcher.close();
    },
  };
}

function newClient(info, dispatcher) {
  return Client.init({
    authProvider: (done) => done(null, info.token),
    baseUrl: info.baseUrl + "/",
    defaultVersion: "v1.0",
    customHosts: new Set([info.host]),
    fetchOptions: { dispatcher },
  });
}

function firstLine(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("emulatorserver printed nothing in time")), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulatorserver exited with ${code} before printing its address`));
    });
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
  });
}

/** Polls fn until it returns a truthy value or the deadline passes. */
export async function eventually(fn, { timeoutMs = 10_000, intervalMs = 20, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * quickXorHash computes Microsoft's QuickXorHash (base64) of a Buffer: a
 * 160-bit circular register, byte i XORed in at bit (i*11) mod 160, the
 * length XORed into the last 8 bytes little-endian.
 */
export function quickXorHash(buf) {
  const folded = new Uint8Array(160);
  for (let i = 0; i < buf.length; i++) folded[i % 160] ^= buf[i];
  const reg = new Uint8Array(20);
  for (let k = 0; k < 160; k++) {
    const v = folded[k];
    const bit = (k * 11) % 160;
    const i = bit >> 3;
    const s = bit & 7;
    reg[i] ^= (v << s) & 0xff;
    if (s) reg[(i + 1) % 20] ^= v >> (8 - s);
  }
  let len = BigInt(buf.length);
  for (let j = 0; j < 8; j++) {
    reg[12 + j] ^= Number(len & 0xffn);
    len >>= 8n;
  }
  return Buffer.from(reg).toString("base64");
}

/** statusOf runs a request expected to fail and returns its GraphError status code. */
export async function statusOf(promise) {
  try {
    await promise;
  } catch (err) {
    if (typeof err.statusCode === "number") return { status: err.statusCode, code: err.code, err };
    throw err;
  }
  return { status: 200 };
}
