package airuddertest

import (
	"hash/fnv"
	"math"
	"net/url"
	"strconv"
	"time"
)

// The live model: an inbound hotline whose hourly call volume follows a
// working-day curve with deterministic noise, so two requests at the same
// instant agree and totals only grow through the day. Ratios wander slowly
// (sine of wall time plus noise) inside the bands seen in the vendor example.

const timeLayout = "2006-01-02 15:04:05"

var (
	stories    = []string{"complain", "entrance", "query_status", "request_transfer", "urge_delivery", "change_info", "story_ask_for_other_help", "story_busy_waiting", "story_evaluation", "story_transfer_to_agent"}
	storyShare = []float64{0.30, 0.18, 0.15, 0.08, 0.08, 0.06, 0.05, 0.04, 0.03, 0.03}
	intentions = []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}
	reasons    = []string{"entrance", "query_status", "urge_delivery", "ask_for_other_help", "change_info"}
	reasonPart = []float64{0.55, 0.28, 0.07, 0.04, 0.06}
)

// noise returns a stable pseudo-random value in [-1, 1] for key.
func noise(key string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return float64(h.Sum64()%20001)/10000 - 1
}

// diurnal is the share of the peak hourly volume at hour h.
func diurnal(h int) float64 {
	curve := [24]float64{0.05, 0.03, 0.02, 0.02, 0.03, 0.06, 0.15, 0.35, 0.65, 0.9, 1, 0.95, 0.7, 0.8, 0.95, 1, 0.9, 0.75, 0.55, 0.4, 0.3, 0.2, 0.12, 0.08}
	return curve[h%24]
}

// hourCalls is the full-hour call volume of day (midnight) at hour h.
func hourCalls(day time.Time, h int) float64 {
	n := noise(day.Format("2006-01-02") + "h" + strconv.Itoa(h))
	return math.Round(140 * diurnal(h) * (1 + 0.2*n))
}

// callsUntil is the cumulative call count of day from midnight until t
// (t on that day), or of the whole day when t is later.
func callsUntil(day, t time.Time) float64 {
	sum := 0.0
	for h := 0; h < 24; h++ {
		start := day.Add(time.Duration(h) * time.Hour)
		switch {
		case !t.Before(start.Add(time.Hour)):
			sum += hourCalls(day, h)
		case t.After(start):
			sum += math.Floor(hourCalls(day, h) * t.Sub(start).Seconds() / 3600)
		}
	}
	return sum
}

// wander is a ratio around center moving by up to ±amp over a few hours.
func wander(name string, center, amp float64, t time.Time) float64 {
	phase := (noise(name) + 1) * math.Pi
	x := float64(t.Unix())/5400 + phase
	v := center + amp*(0.7*math.Sin(x)+0.3*math.Sin(2.3*x+1))
	return math.Round(math.Max(0, math.Min(1, v))*10000) / 10000
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return math.Round(a/b*10000) / 10000
}

// callBlock is the set of scalar fields shared by totals, days and hours.
func callBlock(calls float64, t time.Time) map[string]any {
	attempted := math.Round(calls * wander("attempt", 0.25, 0.05, t))
	success := math.Round(attempted * wander("success", 0.92, 0.04, t))
	agent := math.Round(70 + 12*wander("agentdur", 0.5, 0.5, t))
	robot := math.Round(20 + 8*wander("robotdur", 0.5, 0.5, t))
	total := robot
	if calls > 0 {
		total = math.Round((robot*calls + agent*success) / calls)
	}
	return map[string]any{
		"total_calls":              calls,
		"attempted_transfer_calls": attempted,
		"transfer_success_calls":   success,
		"attempted_transfer_rate":  ratio(attempted, calls),
		"transfer_success_rate":    ratio(success, attempted),
		"agent_reception_rate":     wander("reception", 0.47, 0.12, t),
		"avg_agent_duration":       agent,
		"avg_robot_duration":       robot,
		"avg_total_duration":       total,
		"valid_calls":              math.Round(calls * wander("valid", 0.85, 0.04, t)),
	}
}

// split distributes total over names by shares; the last one takes the rest.
func split(total float64, names []string, shares []float64) map[string]any {
	m := make(map[string]any, len(names))
	left := total
	for i, n := range names {
		v := math.Floor(total * shares[i])
		if i == len(names)-1 {
			v = left
		}
		m[n] = v
		left -= v
	}
	return m
}

// window reads the requested window (account-local wall times, handled as
// naive UTC here since the fake does not know the account's zone).
func window(now time.Time, q url.Values) (start, end time.Time) {
	end, err := time.Parse(timeLayout, q.Get("end_time"))
	if err != nil {
		end = now.UTC()
	}
	midnight := time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
	start, err = time.Parse(timeLayout, q.Get("start_time"))
	if err != nil || start.After(end) || end.Sub(start) > 31*24*time.Hour {
		start = midnight
	}
	return time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC), end
}

func liveStatistics(now time.Time, q url.Values) map[string]any {
	start, end := window(now, q)
	var days []time.Time
	for d := start; !d.After(end) && len(days) < 31; d = d.AddDate(0, 0, 1) {
		days = append(days, d)
	}

	var rtDaily, offDaily []any
	windowCalls, windowTickets, windowFake := 0.0, 0.0, 0.0
	for _, d := range days {
		calls := callsUntil(d, end)
		windowCalls += calls
		at := end
		if d.AddDate(0, 0, 1).Before(end) {
			at = d.Add(15 * time.Hour)
		}
		day := callBlock(calls, at)
		day["date"] = d.Format("2006-01-02")
		attempted, _ := day["attempted_transfer_calls"].(float64)
		agentHangups := math.Round(attempted * 0.9)
		robotHangups := math.Round((calls - agentHangups) * 0.2)
		day["hangup_type_distribution"] = map[string]any{
			"by_agent": agentHangups, "by_robot": robotHangups, "by_user": calls - agentHangups - robotHangups,
		}
		day["story_distribution"] = split(calls, stories, storyShare)
		day["intention_distribution"] = split(calls, intentions, storyShare)
		evalRate := wander("evaluation", 0.5, 0.05, at)
		votes := split(math.Round(calls*evalRate), []string{"1", "2", "3", "4", "5"}, []float64{0.12, 0.08, 0.15, 0.25, 0.4})
		v4, _ := votes["4"].(float64)
		v5, _ := votes["5"].(float64)
		votes["robot_evaluation_rate"] = evalRate
		votes["robot_satisfied_rate"] = ratio(v4+v5, math.Round(calls*evalRate))
		day["satisfied_distribution"] = votes
		rtDaily = append(rtDaily, day)

		tickets := math.Floor(calls * 0.06)
		fake := math.Floor(calls * 0.05)
		windowTickets += tickets
		windowFake += fake
		peak := 0.0
		for h := 0; h < 24; h++ {
			peak = math.Max(peak, hourCalls(d, h))
		}
		offDaily = append(offDaily, map[string]any{
			"date":                         d.Format("2006-01-02"),
			"max_concurrent_call_count":    math.Ceil(peak / 12),
			"transfer_reason_distribution": split(attempted, reasons, reasonPart),
			"one_call_problem_solve_rate":  wander("offline_ocr", 0.37, 0.04, at),
			"user_distribution":            users(calls, at),
			"fake_receipts_distribution": map[string]any{
				"fake_receipts_count":                    fake,
				"daily_deduplicated_fake_receipts_count": math.Floor(fake * 0.97),
			},
			"ticket_distribution": split(tickets, []string{"ticket_type_1", "ticket_type_2", "ticket_type_3"}, []float64{0.2, 0.4, 0.4}),
		})
	}

	var hourly []any
	today := days[len(days)-1]
	for h := 0; h < 24; h++ {
		hs := today.Add(time.Duration(h) * time.Hour)
		if hs.After(end) {
			break
		}
		calls := callsUntil(today, end) - callsUntil(today, hs)
		if he := hs.Add(time.Hour); !he.After(end) {
			calls = hourCalls(today, h)
		}
		e := callBlock(calls, hs)
		e["time"] = hs.Format(timeLayout)
		hourly = append(hourly, e)
	}

	total := callBlock(windowCalls, end)
	for k, v := range users(windowCalls, end) {
		total[k] = v
	}
	total["average_robot_talk_round"] = math.Round((4.5+wander("rounds", 0.5, 0.5, end))*10000) / 10000
	total["avg_robot_score"] = math.Round((3+wander("score", 0.5, 0.4, end))*10000) / 10000
	total["one_call_problem_solve_rate"] = wander("ocr", 0.58, 0.05, end)
	total["robot_evaluation_rate"] = wander("evaluation", 0.5, 0.05, end)
	total["robot_satisfied_rate"] = wander("satisfied", 0.7, 0.05, end)
	total["duplicate_call_rate"] = wander("duplicate", 0.31, 0.04, end)
	total["story_distribution"] = split(windowCalls, stories, storyShare)
	total["intention_distribution"] = split(windowCalls, intentions, storyShare)
	attempted, _ := total["attempted_transfer_calls"].(float64)

	params := map[string]any{"start_time": start.Format(timeLayout), "end_time": end.Format(timeLayout)}
	return map[string]any{
		"code":           200,
		"status":         "OK",
		"request_params": params,
		"data": map[string]any{
			"offline": map[string]any{
				"data_range": map[string]any{"start_date": start.Format("2006-01-02"), "end_date": end.Format("2006-01-02")},
				"total": map[string]any{
					"transfer_reason_distribution":           split(attempted, reasons, reasonPart),
					"fake_receipts_count":                    windowFake,
					"daily_deduplicated_fake_receipts_count": math.Floor(windowFake * 0.97),
					"deduplicated_fake_receipts_count":       math.Floor(windowFake * 0.9),
					"ticket_count":                           windowTickets,
				},
				"daily":  map[string]any{"total_count": len(offDaily), "data_list": offDaily},
				"hourly": map[string]any{"total_count": 0, "data_list": []any{}},
			},
			"realtime": map[string]any{
				"time_range": params,
				"total":      total,
				"daily":      map[string]any{"total_count": len(rtDaily), "data_list": rtDaily},
				"hourly":     map[string]any{"total_count": len(hourly), "data_list": hourly},
			},
		},
	}
}

func users(calls float64, t time.Time) map[string]any {
	u := math.Round(calls * wander("users", 0.6, 0.05, t))
	old := math.Round(u * wander("old_users", 0.35, 0.05, t))
	return map[string]any{
		"call_users":  u,
		"valid_users": math.Round(u * 0.88),
		"new_users":   u - old,
		"old_users":   old,
	}
}
