package airudder

import (
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
)

// taskStatuses remembers the last status of each AiRudder task.
//
// The task webhook carries no update time or delivery id (vendor README
// §1.3: task_id, task_name, status, created_at, schedule_* ... none of which
// changes between a pause and the next pause), so a retry of "paused" and a
// second, real pause look the same. Deduplicating on task id + status (the
// old way) dropped the second pause of calling → paused → calling → paused.
// The rule used instead: a status is a change when it differs from the
// task's last status; a repeat of the current status is a re-delivery. This
// counts every transition exactly once as long as the vendor retries a
// delivery before sending the next one (it retries at 1-minute intervals).
// The status compared is the one sent (taskStatusID), not its label: two
// undocumented statuses are both "other", yet a change.
//
// The memory is per process, bounded (oldest tasks go first) and forgets a
// task after dedup_window; it is not persisted, so a retry right after a
// restart can count once more (README "Exactly once"). A task is kept as
// hashes (taskKey, taskStatusID), never as the text sent: a task_id may be
// as long as the body, and up to max tasks are remembered.
type taskStatuses struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	last   map[uint64]taskState // by taskKey
	order  []taskSeen           // FIFO of updates, for eviction and expiry
}

type taskState struct {
	status uint64 // taskStatusID: fixed size, whatever the vendor sends
	at     time.Time
}

type taskSeen struct {
	key uint64
	at  time.Time
}

func newTaskStatuses(max int) *taskStatuses {
	return &taskStatuses{max: max, last: map[uint64]taskState{}}
}

// taskKey identifies a task of an account by the 64-bit xxhash of both, as
// the dedup sets identify calls (package dedup): two of the 100 000 tasks
// remembered colliding is a chance of about 3 in 10^10.
func taskKey(account, taskID string) uint64 {
	d := xxhash.New()
	_, _ = d.WriteString(account)
	_, _ = d.WriteString("\x00")
	_, _ = d.WriteString(taskID)
	return d.Sum64()
}

func (ts *taskStatuses) setWindow(d time.Duration) {
	ts.mu.Lock()
	ts.window = d
	ts.mu.Unlock()
}

// change reports whether status (a taskStatusID) is a new status of the
// task (and remembers it), false for a repeat of its current status.
func (ts *taskStatuses) change(account, taskID string, status uint64, now time.Time) bool {
	key := taskKey(account, taskID)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.expire(now)
	if st, ok := ts.last[key]; ok && st.status == status {
		return false
	}
	ts.last[key] = taskState{status: status, at: now}
	ts.order = append(ts.order, taskSeen{key: key, at: now})
	for len(ts.last) > ts.max {
		ts.pop()
	}
	return true
}

// expire drops tasks not updated within the window.
func (ts *taskStatuses) expire(now time.Time) {
	if ts.window <= 0 {
		return
	}
	for len(ts.order) > 0 && now.Sub(ts.order[0].at) > ts.window {
		ts.pop()
	}
}

// pop removes the oldest update; the task goes only if that update is still
// its latest one.
func (ts *taskStatuses) pop() {
	e := ts.order[0]
	ts.order[0] = taskSeen{}
	ts.order = ts.order[1:]
	if st, ok := ts.last[e.key]; ok && st.at.Equal(e.at) {
		delete(ts.last, e.key)
	}
	if cap(ts.order) > 1024 && len(ts.order) < cap(ts.order)/4 {
		ts.order = append([]taskSeen(nil), ts.order...)
	}
}
