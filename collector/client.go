package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"airudder_exporter/config"
)

// The AiRudder API client: one function per endpoint, each returning a
// requestError whose outcome is the bounded label of
// airudder_api_requests_total. Error texts never contain a body, a token
// or the app secret: only status codes, body codes and transport errors.

const (
	authPath       = "/service/cloud/auth"
	statisticsPath = "/service/cloud/inbound/dashboard/statistics"
	userAgent      = "Airudder"
	// maxBodyBytes bounds what is read from one response: the vendor's
	// example is 9 KiB, a real month of statistics a few hundred.
	maxBodyBytes = 16 << 20
)

// requestError is one failed request, classified.
type requestError struct {
	outcome string // airudder_api_requests_total outcome
	noData  bool   // decoded fine but held no usable statistics
	msg     string
}

func (e *requestError) Error() string { return e.msg }

// newHTTPClient is the default client: no global timeout (each request
// carries its own deadline), proxies from the environment, a small idle pool.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	t.IdleConnTimeout = 5 * time.Minute
	return &http.Client{Transport: t}
}

// do sends req and returns the body of a 2xx answer. Any other status is
// an error; 401 is "unauthorized" so the caller can log in again.
func do(hc *http.Client, req *http.Request, what string) ([]byte, *requestError) {
	req.Header.Set("User-Agent", userAgent)
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(req.Context(), what, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // let the connection be reused
		_ = resp.Body.Close()
	}()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, &requestError{outcome: outcomeUnauthorized, msg: what + ": HTTP 401"}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &requestError{outcome: outcomeHTTPError, msg: what + ": HTTP " + strconv.Itoa(resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, transportError(req.Context(), what+" (reading body)", err)
	}
	if len(body) > maxBodyBytes {
		return nil, &requestError{outcome: outcomeBadResponse, msg: what + ": body larger than " + strconv.Itoa(maxBodyBytes) + " bytes"}
	}
	return body, nil
}

// transportError classifies a failure below HTTP: a timeout (our deadline
// or the network's) or anything else (refused, DNS, reset).
func transportError(ctx context.Context, what string, err error) *requestError {
	var ne net.Error
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()) {
		return &requestError{outcome: outcomeTimeout, msg: what + ": timeout"}
	}
	return &requestError{outcome: outcomeNetworkError, msg: what + ": " + err.Error()}
}

// bodyError classifies a decode failure of a 2xx body.
func bodyError(what string, err error) *requestError {
	var ce *codeError
	switch {
	case errors.As(err, &ce) && ce.code == http.StatusUnauthorized:
		return &requestError{outcome: outcomeUnauthorized, msg: what + ": " + ce.Error()}
	case errors.As(err, &ce):
		return &requestError{outcome: outcomeAPIError, msg: what + ": " + ce.Error()}
	case errors.Is(err, errNoData):
		return &requestError{outcome: outcomeBadResponse, noData: true, msg: what + ": " + err.Error()}
	default:
		return &requestError{outcome: outcomeBadResponse, msg: what + ": " + errDecode.Error()}
	}
}

// login asks for a new token.
func login(ctx context.Context, hc *http.Client, a *config.Account) (string, *requestError) {
	body, _ := json.Marshal(struct {
		APPKey    string `json:"APPKey"`
		APPSecret string `json:"APPSecret"`
	}{a.AppKey, string(a.AppSecret)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.BaseURL+authPath, bytes.NewReader(body))
	if err != nil {
		return "", &requestError{outcome: outcomeNetworkError, msg: "login: cannot build request"}
	}
	req.Header.Set("Content-Type", "application/json")
	b, rerr := do(hc, req, "login")
	if rerr != nil {
		return "", rerr
	}
	tok, err := DecodeToken(b)
	if err != nil {
		return "", bodyError("login", err)
	}
	return tok, nil
}

// window returns start_time and end_time for now: local midnight
// windowDays-1 days ago until now, in loc.
func window(now time.Time, loc *time.Location, windowDays int) (start, end string) {
	if loc == nil {
		loc = time.UTC
	}
	if windowDays < 1 {
		windowDays = 1
	}
	n := now.In(loc)
	y, m, d := n.Date()
	s := time.Date(y, m, d-(windowDays-1), 0, 0, 0, 0, loc)
	return s.Format(timeLayout), n.Format(timeLayout)
}

// queryEscape encodes a query value with %20 for spaces: every server
// decodes %20, while "+" as space is a form convention some do not follow.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// statistics fetches and decodes the inbound statistics with token.
func statistics(ctx context.Context, hc *http.Client, a *config.Account, token string, now time.Time) (*Statistics, *requestError) {
	start, end := window(now, a.Location, a.WindowDays)
	u := a.BaseURL + statisticsPath + "?start_time=" + queryEscape(start) + "&end_time=" + queryEscape(end)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &requestError{outcome: outcomeNetworkError, msg: "statistics: cannot build request"}
	}
	// The token may contain '+' and '/': a header value carries them as is.
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Content-Type", "application/json")
	b, rerr := do(hc, req, "statistics")
	if rerr != nil {
		return nil, rerr
	}
	st, err := DecodeStatistics(b, a.Location)
	if err != nil {
		return st, bodyError("statistics", err)
	}
	return st, nil
}
