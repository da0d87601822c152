package redislimit

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redislimit is a module of its own, released apart from the client: it
// must build on the client's public API alone, since the client's internal
// packages may change in any release.
func TestUsesOnlyThePublicAPIOfTheClient(t *testing.T) {
	const internal = "github.com/bubblehouse-go/bubblehouse/internal"
	fset := token.NewFileSet()
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		n++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			assert.False(t, p == internal || strings.HasPrefix(p, internal+"/"), "%s imports %s", path, p)
		}
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, n)
}
