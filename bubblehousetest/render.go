package bubblehousetest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
)

// The SDK's output types keep the JSON they were decoded from (Raw). When a
// test seeds the fake with values decoded from JSON, the keys the SDK does
// not model are carried over from that JSON, so the fake serves them too.
// Keys the SDK does model always come from the Go value: a field the test
// cleared stays cleared, even though its omitempty key is missing from the
// value's JSON and present in the seed's.

func marshal(v any) ([]byte, *apiError) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, errorf(http.StatusInternalServerError, idInternalServerError, "The answer could not be encoded")
	}
	return b, nil
}

// render encodes v, adds the keys of raw that v's type does not model
// (recursively through objects, and arrays of equal length, element by
// element), and removes the keys in drop: "tiers" at the top level,
// "cur_tier.features" inside an object.
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
		t = mergeUnknown(t, r, reflect.TypeOf(v))
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

// mergeUnknown adds to typed, the JSON of a value of Go type t, the keys of
// raw that t does not model. Keys t models come from typed alone: a value
// the test set wins, and so does one it cleared (omitempty left its key
// out). Inside a map (such as Customer2.Extras) typed is the whole truth
// too. Where t is unknown or opaque (json.RawMessage, any), typed wins.
func mergeUnknown(typed, raw any, t reflect.Type) any {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return typed
	}
	switch tv := typed.(type) {
	case map[string]any:
		r, ok := raw.(map[string]any)
		if !ok {
			return typed
		}
		switch t.Kind() {
		case reflect.Struct:
			modelled := jsonFields(t)
			for k, rv := range r {
				ft, isModelled := modelled[k]
				if cur, ok := tv[k]; ok {
					tv[k] = mergeUnknown(cur, rv, ft)
				} else if !isModelled {
					tv[k] = rv
				}
			}
		case reflect.Map:
			for k, rv := range r {
				if cur, ok := tv[k]; ok {
					tv[k] = mergeUnknown(cur, rv, t.Elem())
				}
			}
		}
		return tv
	case []any:
		r, ok := raw.([]any)
		if !ok || len(r) != len(tv) || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
			return typed
		}
		for i := range tv {
			tv[i] = mergeUnknown(tv[i], r[i], t.Elem())
		}
		return tv
	}
	return typed
}

// jsonFields maps the JSON keys of struct type t to their fields' types,
// as encoding/json names them: the tag's name, else the field's name;
// "-" and unexported fields are skipped, untagged embedded structs are
// flattened.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, shadowed := fields[k]; !shadowed {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = ft
	}
	return fields
}
