// Package js embeds the built JavaScript SDK, @driveway/connect (the
// TypeScript sources are in src/, the committed build in dist/), so that
// Go packages can serve it without a Node build step: the demo page of
// `driveway dev` loads it as an ES module.
//
// dist/ is rebuilt with `npm run build` in this directory; the SDK's node
// tests fail when it is stale.
package js

import (
	"embed"
	"io/fs"
)

//go:embed dist/*.js
var dist embed.FS

// Dist returns the SDK's built ES modules (index.js and the files it
// imports), at the root of the returned file system.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("sdk/js: embedded dist missing: " + err.Error()) // cannot happen: the embed pattern guarantees it
	}
	return sub
}
