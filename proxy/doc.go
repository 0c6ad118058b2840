// Package proxy is Driveway's Microsoft Graph proxy: ANY
// /projects/{pid}/sdk/proxy/onedrive/{path...} calls
// {Graph base of the integration's cloud}/v1.0/{path} with the access token
// of the end user's OneDrive credential, so that a browser or a back end
// holding only a user token can call Graph.
//
// Map of one request:
//
//	ServeHTTP (proxy.go)
//	 ├─ prepare (call.go): principal from the context (set by the SDK auth
//	 │   middleware) → project check → session (session.go): integration,
//	 │   cloud, credential (X-Driveway-Credential / X-Paragon-Credential, else
//	 │   the user's one VALID OneDrive credential), token from Tokens, cached
//	 │   for CacheTTL → buildTarget: fixed base + cleaned path (target.go),
//	 │   every nested $batch URL checked (batch.go) → Content-Type: auto
//	 │   resolved, replay buffer set up (body.go)
//	 └─ httputil.ReverseProxy with Rewrite (call.go): fixed URL, inbound
//	     Authorization, Cookie, Proxy-*, X-Forwarded-*, Forwarded, Host and
//	     method overrides removed
//	      └─ roundTrip (upstream.go), per attempt:
//	           wait for the tenant's Retry-After (throttle.go) or answer 429
//	           → take a credential slot → add our bearer → Graph
//	           ├─ 401: Tokens.Invalidate (one refresh), replay the body, retry once
//	           ├─ 429/503 + Retry-After: hold the tenant; GET/HEAD retried
//	           │   within MaxRetryWait, others passed on with Retry-After
//	           └─ 3xx to a pre-authenticated download host (redirect.go):
//	               followed without Authorization, Range passed on;
//	               X-Driveway-Redirect: manual returns the redirect instead
//
// The upstream host comes only from the integration's cloud through the
// Resolver: the path is appended to it, never resolved against it, and the
// round trip refuses any request whose host is not that Graph host before a
// token is attached. Responses are streamed as Graph sends them (no
// "output" wrapping); Set-Cookie, WWW-Authenticate and CORS headers of
// Graph are dropped.
//
// Limits: the tenant throttle state is per process (each node learns of a
// throttle from its own 429s); a credential picked and its token are reused
// for CacheTTL (2 s) without re-reading the store.
package proxy
