package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/drivewayhq/driveway"
)

func testWithTx(t *testing.T, b *bundle) {
	ctx := context.Background()
	err := b.s.WithTx(ctx, func(tx driveway.Tx) error {
		if tx.Driver() == nil {
			t.Errorf("Driver() = nil")
		}
		p := newProject(t, tx, "prj_commit")
		newUser(t, tx, p.ID, "u")
		newCredential(t, tx, p.ID, "u", "cred_1", "tx")
		c, err := tx.GetCredential(ctx, p.ID, "cred_1")
		if err != nil || c.AccessToken != "access-tx" {
			t.Errorf("read inside the transaction: %v, %v", c, err)
		}
		ok(t, "PutIntegration in tx", tx.PutIntegration(ctx, integration(p.ID, "tx")))
		return nil
	})
	ok(t, "WithTx commit", err)
	_, err = b.s.GetCredential(ctx, "prj_commit", "cred_1")
	ok(t, "GetCredential after commit", err)
	_, err = b.s.GetIntegration(ctx, "prj_commit")
	ok(t, "GetIntegration after commit", err)

	boom := errors.New("boom")
	err = b.s.WithTx(ctx, func(tx driveway.Tx) error {
		p := newProject(t, tx, "prj_rollback")
		ok(t, "PutIntegration in tx", tx.PutIntegration(ctx, integration(p.ID, "rb")))
		ok(t, "DeleteProject in tx", tx.DeleteProject(ctx, "prj_commit"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx returned %v, want fn's error", err)
	}
	_, err = b.s.GetProject(ctx, "prj_rollback")
	code(t, "GetProject after rollback", err, driveway.ENOTFOUND)
	_, err = b.s.GetCredential(ctx, "prj_commit", "cred_1")
	ok(t, "GetCredential after a rolled-back delete", err)

	func() {
		defer func() {
			if recover() == nil {
				t.Fatalf("WithTx swallowed a panic")
			}
		}()
		_ = b.s.WithTx(ctx, func(tx driveway.Tx) error {
			newProject(t, tx, "prj_panic")
			panic("in fn")
		})
	}()
	_, err = b.s.GetProject(ctx, "prj_panic")
	code(t, "GetProject after a panic", err, driveway.ENOTFOUND)
	// The store still works after the panic.
	newProject(t, b.s, "prj_after")
}

func testDeleteCascades(t *testing.T, b *bundle) {
	ctx := context.Background()
	a := newWorld(t, b.s, "prj_a", "a")
	gone := newWorld(t, b.s, "prj_gone", "g")
	inst := newAPIKey(t, b.s, "", "key_inst")
	ok(t, "DeleteProject", b.s.DeleteProject(ctx, gone.p.ID))
	P := gone.p.ID
	_, err := b.s.GetConnectedUser(ctx, P, gone.u.ID)
	code(t, "user of a deleted project", err, driveway.ENOTFOUND)
	_, err = b.s.GetCredential(ctx, P, gone.c.ID)
	code(t, "credential of a deleted project", err, driveway.ENOTFOUND)
	_, err = b.s.GetIntegration(ctx, P)
	code(t, "integration of a deleted project", err, driveway.ENOTFOUND)
	_, err = b.s.GetSigningKey(ctx, P, gone.sk.ID)
	code(t, "signing key of a deleted project", err, driveway.ENOTFOUND)
	_, err = b.s.GetAPIKey(ctx, gone.ak.ID)
	code(t, "api key of a deleted project", err, driveway.ENOTFOUND)
	vals := listAllSealed(t, b.s, 100)
	for _, v := range vals {
		if containsAny(v.Ref.Row, P) {
			t.Fatalf("sealed value %+v of a deleted project remains", v.Ref)
		}
	}
	if len(vals) != sealedPerWorld {
		t.Fatalf("%d sealed values remain, want %d", len(vals), sealedPerWorld)
	}
	a.check(t, b.s)
	_, err = b.s.GetAPIKey(ctx, inst.ID)
	ok(t, "instance key after a project delete", err)
}
