package collector

import "time"

// Value is one statistic that may be absent (missing, null or unusable).
type Value struct {
	V  float64
	OK bool
}

// Pair is one entry of a distribution (key → count).
type Pair struct {
	Key   string
	Value float64
}

// Calls holds the scalar fields shared by the realtime total, daily and
// hourly entries.
type Calls struct {
	TotalCalls             Value
	ValidCalls             Value
	AttemptedTransferCalls Value
	TransferSuccessCalls   Value
	AttemptedTransferRate  Value
	TransferSuccessRate    Value
	AgentReceptionRate     Value
	AvgAgentDuration       Value
	AvgRobotDuration       Value
	AvgTotalDuration       Value
}

// RealtimeTotal is data.realtime.total: the whole window.
type RealtimeTotal struct {
	Calls
	AverageRobotTalkRound   Value
	AvgRobotScore           Value
	OneCallProblemSolveRate Value
	RobotEvaluationRate     Value
	RobotSatisfiedRate      Value
	DuplicateCallRate       Value
	CallUsers               Value
	ValidUsers              Value
	NewUsers                Value
	OldUsers                Value
	Stories                 []Pair
	Intentions              []Pair
}

// RealtimeDay is the newest entry of data.realtime.daily.data_list.
type RealtimeDay struct {
	Calls
	Hangups []Pair
	// Votes holds the integer keys of satisfied_distribution ("1".."5");
	// the two rates mixed into that object are split out below.
	Votes               []Pair
	RobotEvaluationRate Value
	RobotSatisfiedRate  Value
}

// RealtimeHour is the newest entry of data.realtime.hourly.data_list.
type RealtimeHour struct {
	Start time.Time
	Calls
}

// OfflineTotal is data.offline.total.
type OfflineTotal struct {
	TransferReasons               []Pair
	FakeReceipts                  Value
	DeduplicatedFakeReceipts      Value
	DailyDeduplicatedFakeReceipts Value
	Tickets                       Value
}

// OfflineDay is the newest entry of data.offline.daily.data_list.
type OfflineDay struct {
	MaxConcurrentCalls            Value
	OneCallProblemSolveRate       Value
	CallUsers                     Value
	ValidUsers                    Value
	NewUsers                      Value
	OldUsers                      Value
	FakeReceipts                  Value
	DailyDeduplicatedFakeReceipts Value
	Tickets                       []Pair
}

// Statistics is the typed, validated form of one statistics response. A
// nil section was absent or unusable.
type Statistics struct {
	RealtimeTotal *RealtimeTotal
	OfflineTotal  *OfflineTotal
	// Today is the newest date found in either daily list; RealtimeToday
	// and OfflineToday are the entries of that date (nil when that list
	// has no entry for it, so every today_* value belongs to Today).
	Today         time.Time
	RealtimeToday *RealtimeDay
	OfflineToday  *OfflineDay
	CurrentHour   *RealtimeHour

	// Missing counts absent sections (realtime, offline, their totals and
	// daily/hourly lists); MissingPaths names the first few.
	Missing      int
	MissingPaths []string
	// Bad counts values of the wrong type that were skipped; BadPaths
	// names the first few.
	Bad      int
	BadPaths []string
	// OutOfRange counts numbers outside what the field can mean (negative
	// counts, ratios outside 0..1, scores outside 1..5), skipped.
	OutOfRange      int
	OutOfRangePaths []string
}

// maxPaths bounds the paths kept for the log line.
const maxPaths = 5
