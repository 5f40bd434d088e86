// Package hosting emulates Firebase Hosting for the local suite: it serves
// the public directory and applies the very firebase.json that is deployed
// (infra/firebase.json), so a rewrite that works locally works in
// production and the other way round.
//
// Requests are answered in Hosting's documented priority order
// (firebase.google.com/docs/hosting/full-config, "Priority order of
// Hosting responses"): the reserved /__/ namespace, redirects (first match
// wins), exact static content with cleanUrls and trailingSlash, rewrites in
// order (function, Cloud Run service or a file such as the single-page-app
// fallback), then 404.html or a default 404 page. Function and Cloud Run
// rewrites are reverse-proxied to Options.FunctionURL(name) with the
// original request path, as Hosting forwards "/api/media/v1/x" unchanged
// to the function.
//
// What the emulator does, rule by rule:
//   - cleanUrls serves "/about" from about.html and redirects "/about.html"
//     (and "/dir/index.html") with 301; trailingSlash true adds and false
//     removes the slash with a 301; unset, only directories (a folder with
//     index.html) get one. Redirects keep the query string.
//   - ignore: a file is deployed unless a pattern matches its whole path
//     relative to "public", as the Firebase CLI lists files with node-glob
//     (not .gitignore rules): "firebase.json" hides only the top-level
//     file, "**/.*" hides dot files but not the files in a dot directory
//     (.well-known/…), "dir/**" hides a tree; the CLI's own
//     firebase-debug logs and .firebase/* are never deployed. Patterns
//     starting with "/" (they match nothing) or "!" (a negated match, not a
//     re-include) are refused.
//   - headers apply to every response whose request path a rule matches:
//     files, redirects, rewrites to files and to functions (over the
//     function's own header of the same name), 404 pages and the
//     emulator's own errors; when rules set one header, the last matching
//     rule wins. The custom 404 page also gets the rules matching
//     "/404.html" (those of the request path win), as Google's emulator
//     does.
//   - static files get Cache-Control "max-age=3600" unless a rule sets
//     one; function responses keep their own.
//   - /__/firebase/init.json serves Options.Init: by default projectId and
//     authDomain; the suite adds apiKey "fake-api-key" and an "emulators"
//     map ({"auth": "http://127.0.0.1:9099"}) that production's init.json
//     never has, so a page may call connectAuthEmulator exactly when it is
//     present.
//   - Options.CSPSources adds local origins to directives of the deployed
//     Content-Security-Policy (the suite adds the Auth and Storage
//     emulators where the deployed policy allows Google's counterparts);
//     without it the deployed policy is served byte for byte.
//
// Known differences from production:
//   - one site only; "hosting" as an array (multi-site), i18n rewrites,
//     dynamicLinks and appAssociation are not emulated (dynamicLinks is
//     refused, the others are accepted and ignored);
//   - globs are translated to RE2: the negated extglob "!(…)" is refused;
//     "regex" rules must match the whole path;
//   - nothing is cached: there is no CDN, so Cache-Control only reaches
//     the browser, and a 404 from a function is not kept for 10 minutes;
//   - static text files of 1 KiB or more (scripts, styles, HTML, JSON,
//     manifests, SVG) are compressed with gzip when the client accepts it
//     (Vary: Accept-Encoding), as Hosting compresses them; Hosting may
//     choose brotli, the emulator never does; range requests and the 404
//     page are served uncompressed;
//   - static files carry Last-Modified and answer Range requests as Go's
//     file server does; Hosting's CDN sends its own ETag;
//   - redirects keep the request's query string unless the destination has
//     one;
//   - upgrade requests (WebSocket) are proxied through rewrites; Hosting's
//     CDN is not documented to do so, so realtime clients should connect
//     to the Cloud Run service URL directly rather than through the site;
//   - responses of rewrites stream unless Options.BufferRewrites holds
//     them back until complete, as production does (the suite sets it):
//     streamed answers must come from the service's own URL;
//   - /__/ serves only /__/firebase/init.json; /__/auth/*, init.js and the
//     SDK files are 404;
//   - static content answers only GET and HEAD (405 otherwise);
//   - there is no 60 s rewrite timeout and no request size limit beyond the
//     function's own;
//   - every rewrite must target Options.Region: production would route a
//     rewrite without a region to us-central1, so the emulator refuses it
//     at start rather than hide the mistake.
package hosting
