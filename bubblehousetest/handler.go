package bubblehousetest

import "net/http"

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	http.Error(w, `{"id":"internal_server_error","message":"not implemented yet"}`, http.StatusNotImplemented)
}
