package bubblehouse

import (
	"encoding/json"
	"reflect"
	"strings"
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

// outputTypeRoots are the types a call's answer decodes into, and those a
// caller decodes from an answer's Field.
var outputTypeRoots = []reflect.Type{
	reflect.TypeFor[CustomerBalanceResult3](),
	reflect.TypeFor[Customer2](),
	reflect.TypeFor[CustomerHistory2Output](),
	reflect.TypeFor[CustomerReferrals2Output](),
	reflect.TypeFor[StatusResult1](),
	reflect.TypeFor[RedemptionConfiguration2](),
	reflect.TypeFor[CustomerSubscriptionStatus3](),
	reflect.TypeFor[CustomerRollingPointExpiration3](),
	reflect.TypeFor[Asset2](),
}

// outputStructs returns every struct type of this package reachable from
// outputTypeRoots through fields, pointers and slices, roots first; the
// scalars Money, Date and Time are not walked into.
func outputStructs() []reflect.Type {
	scalars := map[reflect.Type]bool{
		reflect.TypeFor[Money](): true, reflect.TypeFor[Date](): true, reflect.TypeFor[Time](): true,
	}
	seen := map[reflect.Type]bool{}
	var out []reflect.Type
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != outputTypeRoots[0].PkgPath() || scalars[t] || seen[t] {
			return
		}
		seen[t] = true
		out = append(out, t)
		for i := range t.NumField() {
			walk(t.Field(i).Type)
		}
	}
	for _, r := range outputTypeRoots {
		walk(r)
	}
	return out
}

// jsonName returns the JSON key of a struct field, or "" for none.
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// TestRawMessageNullIsAbsent: every json.RawMessage field of every output
// type reads JSON null as nil, so that len(x) == 0 means absent, and a
// re-encoding leaves the key out as it does for an absent one.
func TestRawMessageNullIsAbsent(t *testing.T) {
	rawType := reflect.TypeFor[json.RawMessage]()
	var fields []string
	for _, typ := range outputStructs() {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := jsonName(f)
			if f.Type != rawType || name == "" {
				continue
			}
			fields = append(fields, typ.Name()+"."+f.Name)
			t.Run(typ.Name()+"."+f.Name, func(t *testing.T) {
				p := reflect.New(typ)
				require.NoError(t, json.Unmarshal([]byte(`{"`+name+`":null}`), p.Interface()))
				got := p.Elem().Field(i).Interface().(json.RawMessage)
				assert.Nil(t, got, "null reads as absent, not as %q", got)
				b, err := json.Marshal(p.Interface())
				require.NoError(t, err)
				assert.NotContains(t, string(b), `"`+name+`"`, "nor is it re-encoded")

				require.NoError(t, json.Unmarshal([]byte(`{"`+name+`":[]}`), p.Interface()))
				assert.Equal(t, `[]`, string(p.Elem().Field(i).Bytes()), "an empty value is present")
			})
		}
	}
	assert.ElementsMatch(t, []string{
		"CustomerBalanceResult3.UnusedRewards", "Offer1.Product", "Offer1.Variant", "StatusResult1.User",
	}, fields, "the RawMessage fields this test found")

	t.Run("nested", func(t *testing.T) {
		var r CustomerBalanceResult3
		require.NoError(t, json.Unmarshal([]byte(`{"unused_rewards":null,"offers":[{"id":"a","product":null,"variant":null}]}`), &r))
		assert.Nil(t, r.UnusedRewards)
		require.Len(t, r.Offers, 1)
		assert.Nil(t, r.Offers[0].Product)
		assert.Nil(t, r.Offers[0].Variant)
		assert.Contains(t, string(r.Offers[0].Raw()), `"product":null`, "Raw still has the null as sent")
		found, err := r.Offers[0].Field("product", nil)
		require.NoError(t, err)
		assert.True(t, found, "and Field still tells null from absent")
	})
}
