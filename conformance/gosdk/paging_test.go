package gosdk_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/microsoft/kiota-abstractions-go/serialization"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/drives"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/drivewayhq/driveway/microsoft/emulator"
)

const manyChildren = 1050

// seedChildren creates a folder with n small files through the SDK.
func seedChildren(t *testing.T, e *env, n int) string {
	t.Helper()
	folder := models.NewDriveItem()
	folder.SetName(ptr("many"))
	folder.SetFolder(models.NewFolder())
	created, err := e.item(e.rootID).Children().Post(e.ctx, folder, nil)
	if err != nil {
		t.Fatalf("create folder: %v", describe(err))
	}
	id := *created.GetId()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range work {
				name := fmt.Sprintf("f%04d.txt", i)
				if _, err := e.content(id, name).Put(e.ctx, []byte(name), nil); err != nil {
					errs <- fmt.Errorf("put %s: %w", name, describe(err))
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return id
}

func childrenPage(t *testing.T, e *env, folderID string, top int32) models.DriveItemCollectionResponseable {
	t.Helper()
	cfg := &drives.ItemItemsItemChildrenRequestBuilderGetRequestConfiguration{
		QueryParameters: &drives.ItemItemsItemChildrenRequestBuilderGetQueryParameters{},
	}
	if top > 0 {
		cfg.QueryParameters.Top = &top
	}
	page, err := e.item(folderID).Children().Get(e.ctx, cfg)
	if err != nil {
		t.Fatalf("list children: %v", describe(err))
	}
	return page
}

// iterateNames walks every page with the SDK's PageIterator.
func iterateNames(t *testing.T, e *env, first serialization.Parsable) []string {
	t.Helper()
	it, err := msgraphcore.NewPageIterator[models.DriveItemable](first, e.adapter, models.CreateDriveItemCollectionResponseFromDiscriminatorValue)
	if err != nil {
		t.Fatalf("page iterator: %v", err)
	}
	var names []string
	err = it.Iterate(e.ctx, func(item models.DriveItemable) bool {
		names = append(names, deref(item.GetName()))
		return true
	})
	if err != nil {
		t.Fatalf("iterate: %v", describe(err))
	}
	return names
}

// pageSizes follows @odata.nextLink by hand, as an opaque URL.
func pageSizes(t *testing.T, e *env, folderID string, first models.DriveItemCollectionResponseable) []int {
	t.Helper()
	sizes := []int{len(first.GetValue())}
	next := first.GetOdataNextLink()
	for next != nil {
		page, err := e.item(folderID).Children().WithUrl(*next).Get(e.ctx, nil)
		if err != nil {
			t.Fatalf("next page: %v", describe(err))
		}
		sizes = append(sizes, len(page.GetValue()))
		next = page.GetOdataNextLink()
	}
	return sizes
}

func TestPagingChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t, emulator.Options{PageSize: 25})
	folderID := seedChildren(t, e, manyChildren)

	t.Run("top 100 with PageIterator", func(t *testing.T) {
		first := childrenPage(t, e, folderID, 100)
		if first.GetOdataNextLink() == nil {
			t.Fatal("first page has no @odata.nextLink")
		}
		names := iterateNames(t, e, first)
		if len(names) != manyChildren {
			t.Fatalf("iterated %d children, want %d", len(names), manyChildren)
		}
		unique := map[string]bool{}
		for _, n := range names {
			unique[n] = true
		}
		if len(unique) != manyChildren {
			t.Fatalf("%d distinct names, want %d", len(unique), manyChildren)
		}
		sizes := pageSizes(t, e, folderID, first)
		total := 0
		for _, s := range sizes {
			if s > 100 {
				t.Fatalf("a page held %d items, more than $top=100", s)
			}
			total += s
		}
		if total != manyChildren || len(sizes) < manyChildren/100 {
			t.Fatalf("pages %v sum to %d, want %d in at least %d pages", sizes, total, manyChildren, manyChildren/100)
		}
	})

	t.Run("default page size", func(t *testing.T) {
		first := childrenPage(t, e, folderID, 0)
		if got := len(first.GetValue()); got != 25 {
			t.Fatalf("first page holds %d items, want the emulator's page size 25", got)
		}
		if got, want := len(pageSizes(t, e, folderID, first)), (manyChildren+24)/25; got != want {
			t.Fatalf("%d pages, want %d", got, want)
		}
		if got := len(iterateNames(t, e, first)); got != manyChildren {
			t.Fatalf("iterated %d, want %d", got, manyChildren)
		}
	})
}

func ptr[T any](v T) *T { return &v }
