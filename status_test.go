package bubblehouse

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	now := time.Now().UTC()
	status := func(loggedIn bool, shop string, serverNow time.Time) string {
		return fmt.Sprintf(`{"now":%q,"logged_in":%t,"shop_slug":%q,"membership":"none","program_enabled":true}`,
			serverNow.Format(time.RFC3339), loggedIn, shop)
	}
	tests := []struct {
		name    string
		status  int
		body    string
		problem string
		is      error
	}{
		{"ok", 200, status(true, testShop, now), "", nil},
		{"anonymous", 200, status(false, testShop, now), "anonymous", nil},
		{"other shop", 200, status(true, "other-shop", now), `for shop "other-shop"`, nil},
		{"clock ahead", 200, status(true, testShop, now.Add(-time.Minute)), "ahead of the server", nil},
		{"clock behind", 200, status(true, testShop, now.Add(time.Minute)), "behind the server", nil},
		{"bad key", 401, `{"id":"invalid_token","message":"The token has expired"}`, "refused the token", ErrInvalidToken},
		{"bad version", 400, `{"id":"invalid_global_api_version"}`, `"v2023061" is not usable (invalid_global_api_version)`, ErrInvalidGlobalAPIVersion},
		{"obsolete version", 400, `{"id":"obsolete_global_api_version"}`, "(obsolete_global_api_version)", ErrObsoleteGlobalAPIVersion},
		{"inaccessible version", 403, `{"id":"inaccessible_global_api_version"}`, "(inaccessible_global_api_version)", ErrInaccessibleGlobalAPIVersion},
		{"forbidden", 403, `{"id":"forbidden"}`, "refused the call", ErrAuth},
		{"unknown shop", 404, `{"id":"not_found"}`, `does not know shop "test-shop"`, ErrNotFound},
		{"proxy page", 400, `<html>bad request</html>`, "answered strangely", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, func(w http.ResponseWriter, r *http.Request, _ int) { jsonReply(w, tc.status, tc.body) })
			err := newTestClient(t, srv).Check(context.Background())
			if tc.problem == "" {
				require.NoError(t, err)
				return
			}
			var ce *CheckError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, ce.Problem, tc.problem)
			assert.NotEmpty(t, ce.Fix)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.NotContains(t, err.Error(), srv.URL, "no URL")
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// TestStatusResult1KeepsItsJSON: like every output type, the result keeps
// the JSON it was decoded from, and Field reaches what is not modelled.
func TestStatusResult1KeepsItsJSON(t *testing.T) {
	var r StatusResult1
	require.NoError(t, json.Unmarshal([]byte(statusOK), &r))
	assert.JSONEq(t, statusOK, string(r.Raw()))
	var extra int
	ok, err := r.Field("extra", &extra)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 1, extra)
	ok, err = r.Field("absent", nil)
	require.NoError(t, err)
	assert.False(t, ok)

	var none *StatusResult1
	assert.Nil(t, none.Raw())
	ok, err = none.Field("extra", nil)
	assert.False(t, ok)
	assert.NoError(t, err)
}
