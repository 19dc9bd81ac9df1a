package dedup

import (
	"context"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redactHook cuts the configured passwords out of every error the client
// returns. A Redis error is the server's own text, and the error of an
// unknown command quotes its arguments: a server or proxy without AUTH
// (or HELLO ... AUTH) answers the connection's AUTH with the password in
// it, and these errors are logged and returned by NewRedis's users. The
// error keeps its cause (Unwrap), so redis.Error, IsAuthError and
// ErrorReason still see it; only its text changes.
type redactHook struct{ secrets []string }

func newRedactHook(secrets ...string) *redactHook {
	h := &redactHook{}
	for _, s := range secrets {
		if s != "" {
			h.secrets = append(h.secrets, s)
		}
	}
	return h
}

func (h *redactHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *redactHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if err := h.redact(next(ctx, cmd)); err != nil {
			cmd.SetErr(err)
			return err
		}
		return nil
	}
}

func (h *redactHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := h.redact(next(ctx, cmds))
		for _, c := range cmds {
			if e := h.redact(c.Err()); e != nil {
				c.SetErr(e)
			}
		}
		return err
	}
}

// redact returns err, or err with each secret in its text replaced.
func (h *redactHook) redact(err error) error {
	if err == nil || len(h.secrets) == 0 {
		return err
	}
	msg := err.Error()
	clean := Redact(msg, h.secrets)
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

// Redact returns text with each of secrets (none empty) replaced by
// <secret>: for text of Redis's that did not come as an error of this
// client (go-redis's own log lines).
func Redact(text string, secrets []string) string {
	for _, s := range secrets {
		text = strings.ReplaceAll(text, s, "<secret>")
	}
	return text
}

// redactedError is an error whose text had a secret cut out.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
