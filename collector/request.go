package collector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
)

// Outcomes of one upstream request: the bounded classes a vendor maps to
// its own labels. Error texts never contain a body, a credential or any
// other text the upstream chose: only status codes, the bounded classes of
// transport errors below and the configured host.
const (
	OutcomeUnauthorized = "unauthorized"
	OutcomeHTTPError    = "http_error"
	OutcomeTimeout      = "timeout"
	OutcomeNetworkError = "network_error"
	OutcomeBadResponse  = "bad_response"
	// OutcomeRedirectRefused: a redirect off the configured origin (to
	// another scheme, host or port), refused by every Account's client.
	OutcomeRedirectRefused = "redirect_refused"
	// OutcomeTooLarge: a 2xx answer longer than the Poller's
	// MaxResponseBytes, refused unread beyond the cap.
	OutcomeTooLarge = "too_large"
)

// refusedRedirect ends a redirect off the configured origin. It names
// nothing of the target: a Location header is the upstream's text (its
// host as much as its path or query).
type refusedRedirect struct{ why string }

func (e *refusedRedirect) Error() string { return "redirect to another " + e.why + " refused" }

// errTooManyRedirects ends a redirect loop; net/http would wrap its own
// text with the last Location.
var errTooManyRedirects = errors.New("too many redirects")

// maxRedirects is how many same-origin redirects a request follows, as
// net/http does by default.
const maxRedirects = 10

// sameOriginRedirects returns a copy of hc (same transport) that
// follows redirects only to the request's own origin: the scheme, host and
// port it was sent to, those of the configured base URL. net/http drops
// only Authorization and cookies on a redirect to another host, and none
// of them on one from https to http on the same host: a vendor's own
// credential headers (a key, a signature, a token) and a 307's or 308's
// body (a login's secret) would be sent along, in clear after a switch to
// http. A redirect within the origin goes where the credentials already
// went, over the same protocol, so it is followed.
func sameOriginRedirects(hc *http.Client) *http.Client {
	c := *hc
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errTooManyRedirects
		}
		origin := via[0].URL
		if req.URL.Scheme != origin.Scheme {
			return &refusedRedirect{why: "scheme"}
		}
		if req.URL.Host != origin.Host {
			return &refusedRedirect{why: "host"}
		}
		return nil
	}
	return &c
}

// defaultMaxResponseBytes bounds what is read from one response unless
// Options.MaxResponseBytes says otherwise: the largest answer expected
// from a vendor API (31 days of statistics with their hourly list, a page
// of 100 list records) is a few hundred KiB, so 4 MiB leaves ten times
// that. The cap is also what one answer may cost to decode.
const defaultMaxResponseBytes = 4 << 20

// RequestError is one failed request, classified by Outcome.
type RequestError struct {
	Outcome string
	Msg     string
	// Status is the HTTP status of an OutcomeHTTPError or
	// OutcomeUnauthorized answer, else 0.
	Status int
}

func (e *RequestError) Error() string { return e.Msg }

// Do sends req with the account's client and returns the body of a 2xx
// answer of at most the Poller's MaxResponseBytes. Any other status is an
// error; 401 is OutcomeUnauthorized so the caller can log in again. what
// names the request in the error text.
func (a *Account) Do(req *http.Request, what string) ([]byte, *RequestError) {
	return do(a.hc, req, what, a.maxBody)
}

func do(hc *http.Client, req *http.Request, what string, maxBody int64) ([]byte, *RequestError) {
	resp, err := hc.Do(req)
	if rr := (*refusedRedirect)(nil); errors.As(err, &rr) {
		return nil, &RequestError{Outcome: OutcomeRedirectRefused, Msg: what + ": " + rr.Error() + " (" + req.URL.Host + ")"}
	}
	if err != nil {
		return nil, transportError(req, what, err)
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096)) // let the connection be reused
		_ = resp.Body.Close()
	}()
	if resp.StatusCode == http.StatusUnauthorized {
		return nil, &RequestError{Outcome: OutcomeUnauthorized, Msg: what + ": HTTP 401", Status: resp.StatusCode}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &RequestError{Outcome: OutcomeHTTPError, Msg: what + ": HTTP " + strconv.Itoa(resp.StatusCode), Status: resp.StatusCode}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(req, what+" (reading body)", err)
	}
	if int64(len(body)) > maxBody {
		return nil, &RequestError{Outcome: OutcomeTooLarge, Msg: what + ": answer larger than " + strconv.FormatInt(maxBody, 10) + " bytes"}
	}
	return body, nil
}

// transportError classifies a failure below HTTP: a timeout (our deadline
// or the network's) or anything else (refused, DNS, reset, TLS, a broken
// answer). Its text is the failure's bounded class and the configured host
// (req is the request as built from the base URL, not a redirect's): the
// error's own text quotes what the upstream sent, a Location header, a
// status or header line, a certificate's names.
func transportError(req *http.Request, what string, err error) *RequestError {
	outcome, class := transportClass(req.Context(), err)
	return &RequestError{Outcome: outcome, Msg: what + ": " + class + " (" + req.URL.Host + ")"}
}

// transportClass is the outcome and bounded class of a transport error.
// net/http gives most of them no type of its own; their texts are only
// matched here, never passed on.
func transportClass(ctx context.Context, err error) (outcome, class string) {
	var (
		ne   net.Error
		dns  *net.DNSError
		cert *tls.CertificateVerificationError
		rec  tls.RecordHeaderError
		alrt tls.AlertError
		unk  x509.UnknownAuthorityError
		host x509.HostnameError
		inv  x509.CertificateInvalidError
	)
	text := err.Error()
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout()):
		return OutcomeTimeout, "timeout"
	case errors.Is(err, context.Canceled):
		return OutcomeNetworkError, "request cancelled"
	case errors.Is(err, errTooManyRedirects):
		return OutcomeNetworkError, "too many redirects (more than " + strconv.Itoa(maxRedirects) + ")"
	case strings.Contains(text, "Location header"):
		return OutcomeNetworkError, "bad Location header"
	case errors.Is(err, syscall.ECONNREFUSED):
		return OutcomeNetworkError, "connection refused"
	case errors.As(err, &dns):
		return OutcomeNetworkError, "host not found"
	case errors.As(err, &cert) || errors.As(err, &rec) || errors.As(err, &alrt) || errors.As(err, &unk) ||
		errors.As(err, &host) || errors.As(err, &inv) || strings.Contains(text, "tls: "):
		return OutcomeNetworkError, "TLS error"
	case strings.Contains(text, "malformed") || strings.Contains(text, "invalid") || strings.Contains(text, "bogus") ||
		strings.Contains(text, "transfer encoding") || strings.Contains(text, "Content-Length"):
		return OutcomeNetworkError, "malformed response"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return OutcomeNetworkError, "connection closed"
	}
	return OutcomeNetworkError, "network error"
}
