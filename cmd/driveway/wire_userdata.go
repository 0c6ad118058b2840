package main

import (
	"context"
	"fmt"

	"github.com/drivewayhq/driveway"
	"github.com/drivewayhq/driveway/userdata"
)

// wireUsers builds the end-user operations of the admin API (list,
// inspect, export, disconnect, erase) and registers the erasure job and
// the hourly purge of old events. Call it after wireFileChange.
func (s *server) wireUsers() error {
	s.users = &userdata.Service{Store: s.db, Queue: s.db.queue, Unsubscribe: s.filechange.Unsubscribe,
		RemoveCredential: s.connect.Disconnect, EventRetention: s.cfg.Retention.Events, Logger: s.logger,
		Forget: func(_ context.Context, cr *driveway.Credential) {
			s.proxy.Forget(cr.ProjectID, cr.ID)
			s.actions.Forget(cr.ProjectID, cr.ID)
		}}
	if err := s.users.Register(); err != nil {
		return fmt.Errorf("register user jobs: %w", err)
	}
	s.workers++
	return nil
}
