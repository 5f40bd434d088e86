package firestore

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	pb "cloud.google.com/go/firestore/apiv1/firestorepb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// httpHandler serves the emulator's HTTP side, shaped like Google's
// emulator: errors use Google's JSON error envelope, which is what REST
// clients of Firestore parse.
func (s *Server) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Ok\n"))
	})
	mux.HandleFunc("DELETE /emulator/v1/projects/{project}/databases/{database}/documents", func(w http.ResponseWriter, r *http.Request) {
		name := "projects/" + r.PathValue("project") + "/databases/" + r.PathValue("database")
		if err := s.ClearDatabase(name); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	// The suite owns the process lifetime, so shutdown only acknowledges.
	mux.HandleFunc("POST /shutdown", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{})
	})
	mux.HandleFunc("GET /v1/{name...}", s.restGet)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, status.Errorf(codes.NotFound, "No route for %s %s.", r.Method, r.URL.Path))
	})
	return mux
}

// restGet is a read-only REST view: a document, or a page of a collection.
func (s *Server) restGet(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	res, err := parseResource(name)
	if err != nil {
		writeError(w, err)
		return
	}
	if res.isDocument() {
		doc, err := s.GetDocument(r.Context(), &pb.GetDocumentRequest{Name: name})
		if err != nil {
			writeError(w, err)
			return
		}
		writeProto(w, doc)
		return
	}
	if len(res.segs) == 0 {
		writeError(w, status.Error(codes.InvalidArgument, "Name a document or a collection below documents/."))
		return
	}
	var size int64
	if ps := r.URL.Query().Get("pageSize"); ps != "" {
		if size, err = strconv.ParseInt(ps, 10, 32); err != nil || size < 0 {
			writeError(w, status.Error(codes.InvalidArgument, "pageSize must be a non-negative integer."))
			return
		}
	}
	parent := resourcePath{db: res.db, segs: res.segs[:len(res.segs)-1]}
	resp, err := s.ListDocuments(r.Context(), &pb.ListDocumentsRequest{
		Parent:       parent.String(),
		CollectionId: res.segs[len(res.segs)-1],
		PageSize:     int32(size),
		PageToken:    r.URL.Query().Get("pageToken"),
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeProto(w, resp)
}

func writeProto(w http.ResponseWriter, m proto.Message) {
	b, err := protojson.Marshal(m)
	if err != nil {
		writeError(w, status.Errorf(codes.Internal, "encoding response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError renders a gRPC status in Google's REST error format.
func writeError(w http.ResponseWriter, err error) {
	st := status.Convert(err)
	code := httpStatus(st.Code())
	writeJSON(w, code, map[string]any{"error": map[string]any{
		"code":    code,
		"message": st.Message(),
		"status":  strings.ToUpper(codeName(st.Code())),
	}})
}

func codeName(c codes.Code) string {
	// codes.Code's String is CamelCase; REST uses UPPER_SNAKE.
	var b strings.Builder
	for i, r := range c.String() {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func httpStatus(c codes.Code) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.InvalidArgument, codes.OutOfRange, codes.FailedPrecondition:
		return http.StatusBadRequest
	case codes.NotFound:
		return http.StatusNotFound
	case codes.AlreadyExists, codes.Aborted:
		return http.StatusConflict
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.ResourceExhausted:
		return http.StatusTooManyRequests
	case codes.Unimplemented:
		return http.StatusNotImplemented
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}
