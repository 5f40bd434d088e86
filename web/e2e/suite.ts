// Global setup: starts the whole local suite (every function behind the
// Hosting emulator, which serves web/dist, with the demo data) on free
// ports, as `make dev` does, and hands its address to the tests. The
// binaries are built by scripts/web-test.sh (bin/emulators, bin/functions).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..", "..");

export default async function globalSetup() {
  // STUDIO_BIN and STUDIO_WEB_ROOT let a run use binaries and a build of its own.
  const bin = resolve(root, process.env.STUDIO_BIN || "bin");
  const webRoot = process.env.STUDIO_WEB_ROOT || "web/dist";
  const emulators = join(bin, "emulators");
  const functions = join(bin, "functions");
  for (const f of [emulators, functions, join(root, webRoot, "index.html")]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: run make web-test`);
  }
  const child = spawn(emulators, ["--random-ports", "--demo", "--functions-binary", functions, "--web-root", webRoot], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errOut = "";
  child.stderr.on("data", (b: Buffer) => (errOut = (errOut + b.toString()).slice(-8000)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the suite did not start within 120 s:\n${out}\n${errOut}`)), 120_000);
    child.stdout.on("data", (b: Buffer) => {
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
  process.env.STUDIO_WEB_URL = url;
  return async () => {
    child.kill("SIGTERM");
    await new Promise((r) => {
      const t = setTimeout(() => (child.kill("SIGKILL"), r(undefined)), 10_000);
      child.on("exit", () => (clearTimeout(t), r(undefined)));
    });
  };
}
