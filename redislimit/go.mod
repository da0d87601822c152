module github.com/bubblehouse-go/bubblehouse/redislimit

go 1.25.0

// redislimit is developed in-tree with the client it plugs into: the replace
// makes it build against the root module in this checkout, so a change to
// both lands in one commit. Users of a released version get the root module
// named in require instead (replace directives only apply to the main module).
// No root version is released yet, so require names a placeholder that only
// this checkout builds: README.md, "Versions and releases", says what a
// release must change here.
replace github.com/bubblehouse-go/bubblehouse => ../

require (
	github.com/bubblehouse-go/bubblehouse v0.0.0-00010101000000-000000000000
	github.com/go-redis/redis_rate/v10 v10.0.1
	github.com/redis/go-redis/v9 v9.22.0
	github.com/stretchr/testify v1.12.1
	go.uber.org/goleak v1.3.0
	golang.org/x/time v0.15.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.30.0 // indirect
)
