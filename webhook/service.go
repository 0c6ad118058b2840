package webhook

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/jobs"
	"github.com/drivewayhq/driveway/netguard"
)

// Service manages a project's endpoints and delivers events to them. It is
// safe for concurrent use.
type Service struct {
	store  driveway.Store
	queue  *jobs.Queue
	cfg    Config
	client *http.Client // the shared guarded client
	// loopback holds, with Config.AllowLoopback, a guarded client per
	// loopback port (uint16 → *http.Client).
	loopback sync.Map
	metrics  *metrics
}

// New returns a Service on store that inserts its jobs in queue. Call
// Register before queue.Start on every node that works jobs.
func New(store driveway.Store, queue *jobs.Queue, cfg Config) (*Service, error) {
	if store == nil || queue == nil {
		return nil, fmt.Errorf("new webhook service: store and queue are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new webhook service: %w", err)
	}
	cfg = cfg.withDefaults()
	return &Service{store: store, queue: queue, cfg: cfg, client: netguard.NewClient(cfg.Guard), metrics: newMetrics()}, nil
}

// Register registers the delivery, dispatch and purge workers on the
// service's queue, and schedules the outbox sweep every
// Config.DispatchInterval and the purge every PurgeInterval.
func (s *Service) Register() error {
	if err := jobs.Register(s.queue, &deliverWorker{s: s}); err != nil {
		return fmt.Errorf("register webhook jobs: %w", err)
	}
	if err := jobs.Register(s.queue, &dispatchWorker{s: s}); err != nil {
		return fmt.Errorf("register webhook jobs: %w", err)
	}
	if err := jobs.Register(s.queue, &purgeWorker{s: s}); err != nil {
		return fmt.Errorf("register webhook jobs: %w", err)
	}
	err := s.queue.AddPeriodic(river.PeriodicInterval(s.cfg.DispatchInterval), func() (river.JobArgs, *river.InsertOpts) {
		return DispatchArgs{}, dispatchOpts()
	}, &river.PeriodicJobOpts{ID: DispatchArgs{}.Kind(), RunOnStart: true})
	if err != nil {
		return fmt.Errorf("register webhook jobs: %w", err)
	}
	err = s.queue.AddPeriodic(river.PeriodicInterval(PurgeInterval), func() (river.JobArgs, *river.InsertOpts) {
		return PurgeArgs{}, nil
	}, &river.PeriodicJobOpts{ID: PurgeArgs{}.Kind()})
	if err != nil {
		return fmt.Errorf("register webhook jobs: %w", err)
	}
	return nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// attempts is the number of attempts a delivery gets in one round.
func (s *Service) attempts() int { return len(s.cfg.Schedule) + 1 }
