// Fails when src/api/schema.d.ts is not what openapi-typescript generates
// from infra/openapi.yaml today: the app and the Go routes must not drift.
// `make web-api` (npm run api) regenerates it.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "api-check-"));
try {
  const fresh = join(tmp, "schema.d.ts");
  execFileSync(join(web, "node_modules", ".bin", "openapi-typescript"), [join(web, "..", "infra", "openapi.yaml"), "-o", fresh], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  if (readFileSync(fresh, "utf8") !== readFileSync(join(web, "src", "api", "schema.d.ts"), "utf8")) {
    console.error("web/src/api/schema.d.ts is out of date with infra/openapi.yaml: run `make web-api` and commit the result.");
    process.exit(1);
  }
  console.log("web/src/api/schema.d.ts matches infra/openapi.yaml");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
