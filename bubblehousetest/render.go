package bubblehousetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// The SDK's output types keep the JSON they were decoded from (Raw). When a
// test seeds the fake with values decoded from JSON, the keys the SDK does
// not model are carried over from that JSON, so the fake serves them too.

func marshal(v any) ([]byte, *apiError) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, "internal_server_error", "The answer could not be encoded")
	}
	return b, nil
}

// render encodes v, adds the keys of raw that v's JSON lacks (recursively
// through objects, and arrays of equal length), and removes the keys in
// drop: "tiers" at the top level, "cur_tier.features" inside an object.
func render(v any, raw json.RawMessage, drop ...string) ([]byte, *apiError) {
	typed, apiErr := marshal(v)
	if apiErr != nil {
		return nil, apiErr
	}
	if len(bytes.TrimSpace(raw)) == 0 && len(drop) == 0 {
		return typed, nil
	}
	t, ok1 := decodeAny(typed)
	r, ok2 := decodeAny(raw)
	if !ok1 {
		return typed, nil
	}
	if ok2 {
		t = mergeUnknown(t, r)
	}
	for _, path := range drop {
		deletePath(t, strings.Split(path, "."))
	}
	return marshal(t)
}

// deletePath removes the key at the end of path from the objects of v.
func deletePath(v any, path []string) {
	m, ok := v.(map[string]any)
	if !ok || len(path) == 0 {
		return
	}
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	deletePath(m[path[0]], path[1:])
}

func decodeAny(b []byte) (any, bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, false
	}
	return v, true
}

// mergeUnknown adds to typed what raw has and typed lacks. Values typed has
// win: they are what the test set.
func mergeUnknown(typed, raw any) any {
	switch t := typed.(type) {
	case map[string]any:
		r, ok := raw.(map[string]any)
		if !ok {
			return typed
		}
		for k, rv := range r {
			if tv, ok := t[k]; ok {
				t[k] = mergeUnknown(tv, rv)
			} else {
				t[k] = rv
			}
		}
		return t
	case []any:
		r, ok := raw.([]any)
		if !ok || len(r) != len(t) {
			return typed
		}
		for i := range t {
			t[i] = mergeUnknown(t[i], r[i])
		}
		return t
	}
	return typed
}
