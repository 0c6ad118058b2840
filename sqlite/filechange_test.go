package sqlite_test

import (
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/storetest"
)

func TestFileChangeConformance(t *testing.T) {
	t.Parallel()
	storetest.RunFileChange(t, func(t *testing.T, sealer driveway.Sealer) driveway.Store { return open(t, sealer) })
}
