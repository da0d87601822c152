// Package bubblehouse is a typed client for the Bubblehouse Loyalty API
// (https://app.bubblehouse.com/apidocs).
package bubblehouse
