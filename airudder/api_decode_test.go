package airudder

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	"airudder_exporter/airudder/airuddertest"
)

func TestDecodeFixture(t *testing.T) {
	loc := pollLocation("Asia/Jakarta")
	st, err := decodeStatistics(airuddertest.Fixture(), loc)
	if err != nil {
		t.Fatal(err)
	}
	if st.Missing != 0 || st.Bad != 0 {
		t.Fatalf("fixture: missing %v bad %v (%v %v)", st.Missing, st.Bad, st.MissingPaths, st.BadPaths)
	}
	if got := st.RealtimeTotal.TotalCalls; !got.OK || got.V != 892 {
		t.Fatalf("total_calls = %+v", got)
	}
	if want := time.Date(2025, 11, 12, 0, 0, 0, 0, loc); !st.Today.Equal(want) {
		t.Fatalf("today = %v, want %v", st.Today, want)
	}
	if st.RealtimeToday.AttemptedTransferRate.V != 0.4345 || st.OfflineToday.OneCallProblemSolveRate.V != 0.3786 {
		t.Fatal("today is not the newest daily entry")
	}
	if want := time.Date(2025, 11, 13, 1, 0, 0, 0, loc); !st.CurrentHour.Start.Equal(want) {
		t.Fatalf("current hour = %v, want %v", st.CurrentHour.Start, want)
	}
	if len(st.RealtimeToday.Votes) != 5 || st.RealtimeToday.RobotSatisfiedRate.V != 0.7011 {
		t.Fatalf("satisfied_distribution not split: %+v", st.RealtimeToday)
	}
}

func TestDecodeTolerance(t *testing.T) {
	body := []byte(`{"code":"200","data":{
	  "realtime":{
	    "total":{"total_calls":"12","valid_calls":3.5,"new_users":"NaN","old_users":"1e999","call_users":" 7 ","valid_users":""},
	    "daily":{"data_list":[
	      {"date":"2025-01-02","total_calls":2},
	      {"date":"garbage","total_calls":99},
	      {"date":"2025-01-03","total_calls":3,"satisfied_distribution":{"1":1,"01":2,"6":4,"robot_satisfied_rate":"0.5","x":"y"}},
	      {"date":"2025-01-01","total_calls":1}]},
	    "hourly":{"data_list":[{"time":"2025-01-03 10:00:00","total_calls":5},{"time":"2025-01-03 09:00:00","total_calls":4}]}},
	  "offline":{"total":{},"daily":{"data_list":[{"date":"2025-01-02","ticket_distribution":{"t":1}}]}}}}`)
	st, err := decodeStatistics(body, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	rt := st.RealtimeTotal
	if rt.TotalCalls.V != 12 || rt.ValidCalls.V != 3.5 || rt.CallUsers.V != 7 {
		t.Fatalf("numbers: %+v", rt)
	}
	if rt.NewUsers.OK || rt.OldUsers.OK || rt.ValidUsers.OK {
		t.Fatal("NaN, overflow and empty string must not be values")
	}
	if st.Bad != 3 { // NaN, 1e999, "garbage" date
		t.Fatalf("bad = %d (%v), want 3", st.Bad, st.BadPaths)
	}
	if st.RealtimeToday == nil || st.RealtimeToday.TotalCalls.V != 3 {
		t.Fatalf("today must be 2025-01-03: %+v", st.RealtimeToday)
	}
	// The offline list's newest day is older than today: not reported as today.
	if st.OfflineToday != nil {
		t.Fatal("offline entry of an older day reported as today")
	}
	if st.CurrentHour.TotalCalls.V != 5 {
		t.Fatalf("current hour must be the newest, got %v", st.CurrentHour.TotalCalls.V)
	}
	if got := len(st.RealtimeToday.Votes); got != 3 || !st.RealtimeToday.RobotSatisfiedRate.OK {
		t.Fatalf("votes = %+v", st.RealtimeToday)
	}
	// "01" normalises to score 1 and is summed with "1"; "6" is other.
	c := newStatCaps("a", 10, newStatMetrics(nil).folded)
	e := &statEmitter{account: "a"}
	e.folded(statTodayVotesDesc, st.RealtimeToday.Votes, statScoreLabel)
	if len(e.out) != 2 {
		t.Fatalf("vote series = %d, want 2 (1 and other)", len(e.out))
	}
	_ = convertStatistics("a", st, c) // must not panic on partial data
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want error
		code int
	}{
		{`<html></html>`, errStatDecode, 0},
		{`{"code":200,"data":{}`, errStatDecode, 0},
		{`{"code":200,"data":{}} trailing`, errStatDecode, 0},
		{`[1,2]`, errStatDecode, 0},
		{`{"code":true}`, errStatDecode, 0},
		{`{"code":200.5}`, errStatDecode, 0},
		{`{"code":"401","status":"Unauthorized"}`, nil, 401},
		{`{"code":500}`, nil, 500},
		{`{"code":200}`, errStatNoData, 0},
		{`{"code":200,"data":[]}`, errStatNoData, 0},
		{`{"code":200,"data":{"realtime":5,"offline":null}}`, errStatNoData, 0},
	} {
		_, err := decodeStatistics([]byte(tc.body), nil)
		var ce *apiCodeError
		switch {
		case tc.code != 0:
			if !errors.As(err, &ce) || ce.code != tc.code {
				t.Errorf("%s: err = %v, want code %d", tc.body, err, tc.code)
			}
		case !errors.Is(err, tc.want):
			t.Errorf("%s: err = %v, want %v", tc.body, err, tc.want)
		}
	}
}

func TestDecodeToken(t *testing.T) {
	fixture, err := os.ReadFile("testdata/statistics-auth-response.json")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := decodeAPIToken(fixture)
	if err != nil || tok != "3Ksb9EkFDQHBhAbvYDTq4+pGGjNRAuLtPF9MMt9E97hX+OgLWTme" {
		t.Fatalf("fixture token = %q, %v", tok, err)
	}
	for _, body := range []string{
		`{"code":200,"data":{"token":""}}`,
		`{"code":200,"data":{"token":5}}`,
		`{"code":200,"data":{"token":"a b"}}`,
		`{"code":200,"data":{"token":"a\r\nX-Evil: 1"}}`,
		`{"code":200,"data":"x"}`,
		`{"code":401,"data":{"token":"abc"}}`,
		`not json`,
	} {
		if tok, err := decodeAPIToken([]byte(body)); err == nil {
			t.Errorf("%s: accepted token %q", body, tok)
		}
	}
}

// Statistics are decimals in JSON number syntax (as numbers or strings):
// Go-only syntax is a bad value, never a count.
func TestStatNumber(t *testing.T) {
	for in, want := range map[any]float64{json.Number("12"): 12, "3.5": 3.5, " 7 ": 7, "1e3": 1000, json.Number("2.5E-1"): 0.25} {
		if f, ok, present := statNumber(in); !ok || !present || f != want {
			t.Errorf("statNumber(%q) = %v, %v, %v; want %v", in, f, ok, present, want)
		}
	}
	for _, in := range []string{"0x1p4", "1_0", "Inf", "-Inf", "NaN", "+5", "0b11", "1e999"} {
		if f, ok, present := statNumber(in); ok || !present {
			t.Errorf("statNumber(%q) = %v, %v, %v; want a bad value", in, f, ok, present)
		}
	}
}
