// Global setup: starts the whole local suite on free ports (binaries built
// by scripts/web-test.sh) and hands its addresses to the tests.
import { startSuite } from "../scripts/suite.mjs";

export default async function globalSetup() {
  const suite = await startSuite();
  process.env.STUDIO_WEB_URL = suite.url;
  // The emulators' addresses for tests that set up fixtures: STUDIO_FIRESTORE_EMULATOR_HOST, …
  for (const [k, v] of Object.entries(suite.env)) process.env[`STUDIO_${k}`] = v;
  return suite.stop;
}
