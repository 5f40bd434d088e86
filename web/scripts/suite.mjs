// startSuite runs the whole local suite — every function behind the Hosting
// emulator serving a build of the app, with the demo data — on free ports,
// as `make dev` does, for the browser tests and the Lighthouse bench.
// STUDIO_BIN and STUDIO_WEB_ROOT let a run use binaries and a build of its own.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "..", "..");

export async function startSuite({ bin = process.env.STUDIO_BIN || "bin", webRoot = process.env.STUDIO_WEB_ROOT || "web/dist", missing = "run make web-test" } = {}) {
  const binDir = resolve(root, bin);
  const emulators = join(binDir, "emulators");
  const functions = join(binDir, "functions");
  for (const f of [emulators, functions, join(root, webRoot, "index.html")]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: ${missing}`);
  }
  const child = spawn(emulators, ["--random-ports", "--demo", "--functions-binary", functions, "--web-root", webRoot], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  child.stderr.on("data", (b) => (errOut = (errOut + b.toString()).slice(-8000)));
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the suite did not start within 120 s:\n${out}\n${errOut}`)), 120_000);
    child.stdout.on("data", (b) => {
      out += b.toString();
      const m = /Web app:\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (m && out.includes("Press Ctrl-C to stop.")) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`the suite exited (${code}):\n${out}\n${errOut}`));
    });
  });
  // The emulators' addresses (DNS_EMULATOR_HOST, FIRESTORE_EMULATOR_HOST, …) it prints.
  const env = Object.fromEntries([...out.matchAll(/^\s*export (\w+)="([^"]*)"/gm)].map((m) => [m[1], m[2]]));
  const stop = () =>
    new Promise((r) => {
      if (child.exitCode !== null) return r(undefined);
      const t = setTimeout(() => (child.kill("SIGKILL"), r(undefined)), 10_000);
      child.removeAllListeners("exit");
      child.on("exit", () => (clearTimeout(t), r(undefined)));
      child.kill("SIGTERM");
    });
  return { url, env, stop };
}
