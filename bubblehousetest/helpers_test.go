package bubblehousetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// defaultKey is the decoded DefaultSecret.
var defaultKey = []byte("bubblehousetest-shared-secret-32")

// mint signs a token by hand, so that tests can build every bad token.
func mint(t testing.TB, header, claims map[string]any, key []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	require.NoError(t, err)
	c, err := json.Marshal(claims)
	require.NoError(t, err)
	return signRaw(h, c, key)
}

// signRaw signs header and claims exactly as given, even when they are not
// JSON, so that a fuzz target can reach the checks behind the signature.
func signRaw(header, claims, key []byte) string {
	in := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hs256(kid string) map[string]any {
	return map[string]any{"typ": "JWT", "alg": "HS256", "kid": kid}
}

func claims(sub string, extra ...any) map[string]any {
	now := time.Now().Unix()
	c := map[string]any{"aud": "BH", "sub": sub, "iat": now, "exp": now + 300}
	for i := 0; i+1 < len(extra); i += 2 {
		k := extra[i].(string)
		if extra[i+1] == nil {
			delete(c, k)
			continue
		}
		c[k] = extra[i+1]
	}
	return c
}

// shopToken is a valid shop token for srv.
func shopToken(t testing.TB, srv *Server) string {
	return mint(t, hs256(srv.KeyID()), claims(srv.Shop()), defaultKey)
}

// answer is a raw HTTP answer of the fake.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
	ID     string
	Msg    string
}

// post sends a raw call to fn of srv's shop with the default version.
func post(t testing.TB, srv *Server, fn, token, body string) answer {
	t.Helper()
	return do(t, http.MethodPost, srv.URL()+"/api/v2023061/"+srv.Shop()+"/"+fn, token, body)
}

func do(t testing.TB, method, url, token, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
	var e struct {
		ID      string `json:"id"`
		Message string `json:"message"`
	}
	if resp.StatusCode >= 400 {
		require.NoError(t, json.Unmarshal(b, &e), "error bodies are JSON: %s", b)
		a.ID, a.Msg = e.ID, e.Message
	}
	return a
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
