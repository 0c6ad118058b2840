//go:build tools

package rclone

// The rclone packages whose tests fstests_test.go builds and runs; imported
// here so that go.mod and go.sum pin them.
import (
	_ "github.com/rclone/rclone/backend/onedrive"
	_ "github.com/rclone/rclone/fstest/fstests"
)
