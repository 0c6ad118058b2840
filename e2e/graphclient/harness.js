// Harness for the proxy's end-to-end tests: starts e2e/cmd/proxyserver (the
// Microsoft emulator plus a Driveway Graph proxy on loopback) in a child
// process, reads the one JSON line it prints, and builds Microsoft's
// @microsoft/microsoft-graph-client with Driveway's proxy as its base URL
// and the end user's Driveway user token as its bearer token.
//
// The servers use a throw-away self-signed certificate (the Graph client
// attaches tokens only to https URLs); Node trusts it through an undici
// dispatcher passed as a fetch option, so no process-wide TLS setting
// changes. Set DRIVEWAY_PROXY_SERVER to a prebuilt proxyserver binary to
// skip `go run`.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { Client } from "@microsoft/microsoft-graph-client";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Starts the proxy server. Returns {info, client, fetch, stop}. */
export async function startProxy(args = []) {
  const bin = process.env.DRIVEWAY_PROXY_SERVER;
  const [cmd, argv] = bin ? [bin, args] : ["go", ["run", "./e2e/cmd/proxyserver", ...args]];
  const child = spawn(cmd, argv, { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const info = JSON.parse(await firstLine(child, 240_000));
  const dispatcher = new Agent({ connect: { ca: info.caPem } });
  const client = Client.init({
    authProvider: (done) => done(null, info.userToken),
    baseUrl: info.proxyUrl, // https://localhost:PORT/projects/{pid}/sdk/proxy/onedrive/
    defaultVersion: "v1.0",
    customHosts: new Set([info.host]),
    fetchOptions: { dispatcher },
  });
  return {
    info,
    client,
    /** fetch with the servers' certificate trusted. */
    fetch: (url, init = {}) => fetch(url, { ...init, dispatcher }),
    async stop() {
      child.stdin.end();
      await exited;
      await dispatcher.close();
    },
  };
}

function firstLine(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("proxyserver printed nothing in time")), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`proxyserver exited with ${code} before printing its address`));
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
