package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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
