package bubblehouse

import (
	"encoding/json"
	"fmt"
)

// The Bubblehouse documentation is incomplete for several output types, and
// the API adds properties without notice. Every output type therefore keeps
// the exact JSON it was decoded from, so that a field this package does not
// model yet stays one Field call away instead of being lost.

// cloneRaw copies b, because encoding/json may reuse the buffer it passes to
// UnmarshalJSON once the call returns.
func cloneRaw(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return append(json.RawMessage(make([]byte, 0, len(b))), b...)
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
