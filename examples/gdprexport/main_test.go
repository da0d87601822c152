package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/bubblehouse-go/bubblehouse"
	"github.com/bubblehouse-go/bubblehouse/bubblehousetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestExportToFile(t *testing.T) {
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	c := srv.Client()
	dir := t.TempDir()
	path := filepath.Join(dir, "takeout.json")
	alice := bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail)

	n, err := exportToFile(context.Background(), c, alice, path)
	require.NoError(t, err)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, int64(len(b)), n)
	assert.True(t, json.Valid(b))
	want, err := c.ExportCustomerData1(context.Background(), &bubblehouse.ExportCustomerData1Input{Customer: alice})
	require.NoError(t, err)
	assert.Equal(t, string(want), string(b), "byte for byte")

	// A connection cut mid-body leaves neither the file nor a temporary one.
	broken := filepath.Join(dir, "broken.json")
	srv.CutNext(bubblehousetest.EndpointExportCustomerData1, 1, 1000)
	_, err = exportToFile(context.Background(), c, alice, broken)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "after 1000 bytes")
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1, "only the first, complete takeout")
	assert.Equal(t, "takeout.json", entries[0].Name())
}

// An existing file is never replaced: it is refused before the export is
// even requested, and no temporary file is left.
func TestExportRefusesAnExistingFile(t *testing.T) {
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	dir := t.TempDir()
	path := filepath.Join(dir, "takeout.json")
	require.NoError(t, os.WriteFile(path, []byte("an earlier takeout"), 0o600))

	_, err := exportToFile(context.Background(), srv.Client(), bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail), path)
	require.ErrorIs(t, err, fs.ErrExist)
	assert.Contains(t, err.Error(), path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "an earlier takeout", string(b), "untouched")
	assert.Equal(t, []string{"takeout.json"}, names(t, dir), "no temporary file")
	assert.Empty(t, srv.Requests(), "refused before the expensive call")

	// A symbolic link at the path counts as a file, even a dangling one.
	link := filepath.Join(dir, "link.json")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere"), link))
	_, err = exportToFile(context.Background(), srv.Client(), bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail), link)
	require.ErrorIs(t, err, fs.ErrExist)
	assert.Equal(t, []string{"link.json", "takeout.json"}, names(t, dir))
}

// A file that appears while the export streams (another run, another
// program) is not replaced either, and the finished temporary file goes.
func TestExportKeepsAFileCreatedMeanwhile(t *testing.T) {
	srv := bubblehousetest.NewServer(t, bubblehousetest.WithDemoData())
	dir := t.TempDir()
	path := filepath.Join(dir, "takeout.json")
	var once sync.Once
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	c := srv.Client(bubblehouse.WithHTTPClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		once.Do(func() { require.NoError(t, os.WriteFile(path, []byte("written meanwhile"), 0o600)) })
		return tr.RoundTrip(r)
	})}))

	n, err := exportToFile(context.Background(), c, bubblehouse.ByEmail(bubblehousetest.DemoCustomerEmail), path)
	require.ErrorIs(t, err, fs.ErrExist)
	assert.Positive(t, n, "the export itself completed")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "written meanwhile", string(b), "not replaced")
	assert.Equal(t, []string{"takeout.json"}, names(t, dir), "no temporary file")
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// names lists the names in dir, sorted.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
