package airudder

import "time"

// statValue is one statistic that may be absent (missing, null or unusable).
type statValue struct {
	V  float64
	OK bool
}

// statPair is one entry of a distribution (key → count).
type statPair struct {
	Key   string
	Value float64
}

// statCalls holds the scalar fields shared by the realtime total, daily and
// hourly entries.
type statCalls struct {
	TotalCalls             statValue
	ValidCalls             statValue
	AttemptedTransferCalls statValue
	TransferSuccessCalls   statValue
	AttemptedTransferRate  statValue
	TransferSuccessRate    statValue
	AgentReceptionRate     statValue
	AvgAgentDuration       statValue
	AvgRobotDuration       statValue
	AvgTotalDuration       statValue
}

// realtimeTotal is data.realtime.total: the whole window.
type realtimeTotal struct {
	statCalls
	AverageRobotTalkRound   statValue
	AvgRobotScore           statValue
	OneCallProblemSolveRate statValue
	RobotEvaluationRate     statValue
	RobotSatisfiedRate      statValue
	DuplicateCallRate       statValue
	CallUsers               statValue
	ValidUsers              statValue
	NewUsers                statValue
	OldUsers                statValue
	Stories                 []statPair
	Intentions              []statPair
}

// realtimeDay is the newest entry of data.realtime.daily.data_list.
type realtimeDay struct {
	statCalls
	Hangups []statPair
	// Votes holds the integer keys of satisfied_distribution ("1".."5");
	// the two rates mixed into that object are split out below.
	Votes               []statPair
	RobotEvaluationRate statValue
	RobotSatisfiedRate  statValue
}

// realtimeHour is the newest entry of data.realtime.hourly.data_list.
type realtimeHour struct {
	Start time.Time
	statCalls
}

// offlineTotal is data.offline.total.
type offlineTotal struct {
	TransferReasons               []statPair
	FakeReceipts                  statValue
	DeduplicatedFakeReceipts      statValue
	DailyDeduplicatedFakeReceipts statValue
	Tickets                       statValue
}

// offlineDay is the newest entry of data.offline.daily.data_list.
type offlineDay struct {
	MaxConcurrentCalls            statValue
	OneCallProblemSolveRate       statValue
	CallUsers                     statValue
	ValidUsers                    statValue
	NewUsers                      statValue
	OldUsers                      statValue
	FakeReceipts                  statValue
	DailyDeduplicatedFakeReceipts statValue
	Tickets                       []statPair
}

// inboundStatistics is the typed, validated form of one statistics response. A
// nil section was absent or unusable.
type inboundStatistics struct {
	RealtimeTotal *realtimeTotal
	OfflineTotal  *offlineTotal
	// Today is the newest date found in either daily list; RealtimeToday
	// and OfflineToday are the entries of that date (nil when that list
	// has no entry for it, so every today_* value belongs to Today).
	Today         time.Time
	RealtimeToday *realtimeDay
	OfflineToday  *offlineDay
	CurrentHour   *realtimeHour

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

// statMaxPaths bounds the paths kept for the log line.
const statMaxPaths = 5
