package bubblehouse

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// The Bubblehouse documentation is incomplete for several output types, and
// the API adds properties without notice. Every output type therefore keeps
// the exact JSON it was decoded from, so that a field this package does not
// model yet stays one Field call away instead of being lost.

// keepRaw is the body of the output types' UnmarshalJSON methods: it
// decodes b into a fresh T, stores it in *dst, and then stores a copy of b
// in *raw (a copy, because encoding/json may reuse the buffer it passes to
// UnmarshalJSON once the call returns). JSON null, or a decoding error,
// leaves *dst and *raw unchanged.
//
// T is the output type under a local name without methods, so that
// decoding does not recurse into the caller; raw usually points into *dst,
// which is why it is set last:
//
//	type plain Offer1
//	return keepRaw(b, (*plain)(o), &o.raw)
func keepRaw[T any](b []byte, dst *T, raw *json.RawMessage) error {
	if isJSONNull(b) {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*dst = v
	*raw = bytes.Clone(b)
	return nil
}

// nullAsAbsent sets each of raws that holds JSON null to nil. encoding/json
// hands null to a json.RawMessage as the four bytes "null", which would read
// as present; after this, len(x) == 0 means "absent or null" for every
// json.RawMessage field of an output type, and re-encoding omits it.
func nullAsAbsent(raws ...*json.RawMessage) {
	for _, r := range raws {
		if isJSONNull(*r) {
			*r = nil
		}
	}
}

// rawField decodes the top-level key name of the JSON object raw into v. It
// reports false, with no error, when raw is empty or has no such key. v may
// be nil to test for presence only.
func rawField(raw json.RawMessage, name string, v any) (bool, error) {
	if len(raw) == 0 || isJSONNull(raw) {
		return false, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return false, fmt.Errorf("bubblehouse: field %q: %w", name, err)
	}
	b, ok := fields[name]
	if !ok {
		return false, nil
	}
	if v == nil {
		return true, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return true, fmt.Errorf("bubblehouse: field %q: %w", name, err)
	}
	return true, nil
}
