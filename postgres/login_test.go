package postgres_test

import (
	"testing"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/storetest"
)

func TestLoginConformance(t *testing.T) {
	t.Parallel()
	storetest.SkipWithoutPostgres(t)
	storetest.RunLogin(t, func(t *testing.T, sealer driveway.Sealer) driveway.Store { return open(t, sealer) })
}
