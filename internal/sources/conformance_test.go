package sources_test

import (
	"net/http/httptest"
	"testing"

	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sources/sourcetest"
)

func TestMemoryConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Registry {
		m := &sources.Memory{}
		return sourcetest.Registry{Source: m, Sink: m}
	})
}

// The HTTP adapter in front of Handler must behave as the registry behind
// it.
func TestHTTPConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Registry {
		m := &sources.Memory{}
		srv := httptest.NewServer(sources.Handler(m, "token"))
		t.Cleanup(srv.Close)
		h, err := sources.NewHTTP(srv.URL, srv.Client(), "token")
		if err != nil {
			t.Fatal(err)
		}
		return sourcetest.Registry{Source: h, Sink: m}
	})
}
