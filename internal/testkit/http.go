package testkit

import (
	"io"
	"net/http"
	"time"
)

// HTTPGet fetches url with a 5 s timeout: the status and the body, or 0 and
// "" when no answer came (not listening yet, connection refused).
func HTTPGet(url string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
