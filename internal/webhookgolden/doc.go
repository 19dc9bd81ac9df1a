// Package webhookgolden is test-only: only tests import it. Its tests pin
// the exposition of both webhook vendors behind one receiver.Receiver
// (testdata/golden.prom) and measure them together; its exported helpers
// are the harness the vendors' webhook tests drive a real Receiver with
// through its HTTP handler.
package webhookgolden
