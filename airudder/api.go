package airudder

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"airudder_exporter/collector"
	"airudder_exporter/config"
)

// The AiRudder API client: one function per endpoint, each returning a
// apiError whose outcome is the bounded label of
// airudder_api_requests_total. Error texts never contain a body, a token
// or the app secret: only status codes, body codes and transport errors.

const (
	apiAuthPath       = "/service/cloud/auth"
	apiStatisticsPath = "/service/cloud/inbound/dashboard/statistics"
	apiUserAgent      = "Airudder"
)

// apiError is one failed request, classified.
type apiError struct {
	outcome string // airudder_api_requests_total outcome
	noData  bool   // decoded fine but held no usable statistics
	msg     string
}

func (e *apiError) Error() string { return e.msg }

// apiDo sends req with the documented User-Agent and returns the body of a
// 2xx answer (collector.Account.Do: no redirect off the base URL's origin,
// the answer capped); its outcomes are this client's.
func apiDo(acc *collector.Account, req *http.Request, what string) ([]byte, *apiError) {
	req.Header.Set("User-Agent", apiUserAgent)
	b, rerr := acc.Do(req, what)
	if rerr != nil {
		return nil, &apiError{outcome: rerr.Outcome, msg: rerr.Msg}
	}
	return b, nil
}

// apiBodyError classifies a decode failure of a 2xx body.
func apiBodyError(what string, err error) *apiError {
	var ce *apiCodeError
	switch {
	case errors.As(err, &ce) && ce.code == http.StatusUnauthorized:
		return &apiError{outcome: apiOutcomeUnauthorized, msg: what + ": " + ce.Error()}
	case errors.As(err, &ce):
		return &apiError{outcome: apiOutcomeAPIError, msg: what + ": " + ce.Error()}
	case errors.Is(err, errStatNoData):
		return &apiError{outcome: apiOutcomeBadResponse, noData: true, msg: what + ": " + err.Error()}
	default:
		return &apiError{outcome: apiOutcomeBadResponse, msg: what + ": " + errStatDecode.Error()}
	}
}

// apiLogin asks for a new token.
func apiLogin(ctx context.Context, acc *collector.Account, a *config.Account) (string, *apiError) {
	body, _ := json.Marshal(struct {
		APPKey    string `json:"APPKey"`
		APPSecret string `json:"APPSecret"`
	}{a.AppKey, string(a.AppSecret)})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.BaseURL+apiAuthPath, bytes.NewReader(body))
	if err != nil {
		return "", &apiError{outcome: apiOutcomeNetworkError, msg: "login: cannot build request"}
	}
	req.Header.Set("Content-Type", "application/json")
	b, rerr := apiDo(acc, req, "login")
	if rerr != nil {
		return "", rerr
	}
	tok, err := decodeAPIToken(b)
	if err != nil {
		return "", apiBodyError("login", err)
	}
	return tok, nil
}

// statWindow returns start_time and end_time for now: local midnight
// windowDays-1 days ago until now, in loc.
func statWindow(now time.Time, loc *time.Location, windowDays int) (start, end string) {
	if loc == nil {
		loc = time.UTC
	}
	if windowDays < 1 {
		windowDays = 1
	}
	n := now.In(loc)
	y, m, d := n.Date()
	s := time.Date(y, m, d-(windowDays-1), 0, 0, 0, 0, loc)
	return s.Format(statTimeLayout), n.Format(statTimeLayout)
}

// apiQueryEscape encodes a query value with %20 for spaces: every server
// decodes %20, while "+" as space is a form convention some do not follow.
func apiQueryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// apiStatistics fetches and decodes the inbound statistics with token.
func apiStatistics(ctx context.Context, acc *collector.Account, a *config.Account, token string, now time.Time) (*inboundStatistics, *apiError) {
	start, end := statWindow(now, a.Location, a.WindowDays)
	u := a.BaseURL + apiStatisticsPath + "?start_time=" + apiQueryEscape(start) + "&end_time=" + apiQueryEscape(end)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, &apiError{outcome: apiOutcomeNetworkError, msg: "statistics: cannot build request"}
	}
	// The token may contain '+' and '/': a header value carries them as is.
	req.Header.Set("Authorization", "Token "+token)
	req.Header.Set("Content-Type", "application/json")
	b, rerr := apiDo(acc, req, "statistics")
	if rerr != nil {
		return nil, rerr
	}
	st, err := decodeStatistics(b, a.Location)
	if err != nil {
		return st, apiBodyError("statistics", err)
	}
	return st, nil
}
