package bubblehouse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKeepRaw(t *testing.T) {
	buf := []byte(`{"id":"a","title":"T"}`)
	var o Offer1
	require.NoError(t, o.UnmarshalJSON(buf))
	assert.Equal(t, "a", o.ID)
	assert.Equal(t, "T", o.Title)
	buf[8] = 'b'
	assert.Equal(t, `{"id":"a","title":"T"}`, string(o.Raw()), "raw is a copy of the decoder's buffer")

	require.NoError(t, o.UnmarshalJSON([]byte(` null `)))
	assert.Equal(t, "a", o.ID, "null leaves the value")
	assert.JSONEq(t, `{"id":"a","title":"T"}`, string(o.Raw()), "and its raw JSON")

	require.NoError(t, o.UnmarshalJSON([]byte(`{"title":"U"}`)))
	assert.Empty(t, o.ID, "a second decode starts afresh, it does not merge")
	assert.Equal(t, `{"title":"U"}`, string(o.Raw()))

	assert.Error(t, o.UnmarshalJSON([]byte(`{"title":7}`)))
	assert.Equal(t, "U", o.Title, "a failed decode leaves the value")
	assert.Equal(t, `{"title":"U"}`, string(o.Raw()))
}
