// Package functions emulates Cloud Functions (gen2) and Cloud Run for the
// local suite. Every function declared in infra/topology.yaml runs as its
// own child process of the one cmd/functions binary, started with
// FUNCTION_TARGET set to its entry point, exactly as each function runs as
// its own instance in production.
//
// Requests to http://{addr}/{project}/{region}/{function}/{rest…} (the
// Firebase functions-emulator URL convention) are reverse-proxied to the
// child as "/{rest…}" with the query, headers and streamed bodies intact;
// WebSocket upgrades pass through. GET / lists the functions and their URLs.
// A child that dies is restarted with exponential backoff; Close stops every
// child's whole process group (SIGTERM, then SIGKILL after a grace period).
// Server.Signal signals one child's process group (tests crash, freeze and
// thaw a function with SIGKILL, SIGSTOP and SIGCONT).
//
// Known differences from production:
//   - one instance per function: no autoscaling, max_instances, concurrency
//     or memory limits, and no cold start after idling;
//   - children inherit the emulator's environment (plus the local values of
//     the function's declared env and Options.Env); in production only
//     declared variables and secrets are set. Declared secrets are not
//     supplied: on a demo- project shared/events uses its development key.
//     cmd/functions' TestFunctionsReadWhatTheyDeclare keeps code and
//     declarations equal, so what works here is also configured there;
//   - no IAM: private (non-public) HTTP functions accept any caller, and no
//     Authorization header is checked or minted;
//   - no request timeout (timeout_seconds) and no 32 MiB request limit;
//   - Cloud Run services (kind run) are also started from the one binary,
//     through functions-framework, rather than from their own container;
//   - the proxy adds Function-Execution-Id and X-Cloud-Trace-Context when
//     absent, but none of Google's other front-end headers;
//   - while a child restarts its requests get 503 with Retry-After.
package functions
