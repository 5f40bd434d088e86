// Package hosting emulates Firebase Hosting for the local suite: it serves
// the public directory and applies the very firebase.json that is deployed
// (infra/firebase.json), so a rewrite that works locally works in
// production and the other way round.
//
// Requests are answered in Hosting's documented priority order: the
// reserved /__/ namespace, redirects, exact static content (with cleanUrls
// and trailingSlash), rewrites in order (function, Cloud Run service or a
// file such as the single-page-app fallback), then 404.html or a default
// 404 page. Function and Cloud Run rewrites are reverse-proxied to
// Options.FunctionURL(name) with the original request path, as Hosting
// forwards "/api/media/v1/x" unchanged to the function.
//
// Known differences from production:
//   - one site only; "hosting" as an array (multi-site), i18n rewrites,
//     dynamicLinks and appAssociation are not emulated (dynamicLinks is
//     refused, the others are accepted and ignored);
//   - globs are translated to RE2: the negated extglob "!(…)" is refused;
//   - nothing is cached: there is no CDN, so Cache-Control only reaches the
//     browser; responses are not compressed by the emulator;
//   - headers from the config are set on every matching response,
//     overriding a function's own header of the same name;
//   - redirects keep the request's query string unless the destination has
//     one;
//   - upgrade requests (WebSocket) are proxied through rewrites; Hosting's
//     CDN is not documented to do so, so realtime clients should connect
//     to the Cloud Run service URL directly rather than through the site;
//   - /__/ serves only /__/firebase/init.json (projectId, authDomain);
//   - there is no 60 s rewrite timeout and no request size limit beyond the
//     function's own;
//   - every rewrite must target Options.Region: production would route a
//     rewrite without a region to us-central1, so the emulator refuses it
//     at start rather than hide the mistake.
package hosting
