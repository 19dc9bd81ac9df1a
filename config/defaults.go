package config

// WithDefaults returns c with every field it leaves unset (zero, or a
// negative number a file would be refused for) filled with its default.
// Load applies it after validating what the file set; code building a
// Webhooks value by hand (tests, embedding) calls it to get the same
// defaults.
func (c Webhooks) WithDefaults() Webhooks {
	// A max_body_bytes above the LAAFFIC default raises it too; a smaller
	// one (the shipped files set 1 MiB) does not lower it.
	if c.LaafficMaxBodyBytes <= 0 {
		c.LaafficMaxBodyBytes = max(c.MaxBodyBytes, DefaultLaafficMaxBodyBytes)
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxBodyBytesInFlight <= 0 {
		c.MaxBodyBytesInFlight = max(DefaultMaxBodyBytesInFlight, c.MaxBodyBytes, c.LaafficMaxBodyBytes)
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = Duration(DefaultDedupWindow)
	}
	if c.DedupMaxEntries <= 0 {
		c.DedupMaxEntries = DefaultDedupMaxEntries
	}
	if c.MaxLabelValues <= 0 {
		c.MaxLabelValues = DefaultMaxLabelValues
	}
	if c.MaxConcurrentRequests <= 0 {
		c.MaxConcurrentRequests = DefaultMaxConcurrent
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = Duration(DefaultReadTimeout)
	}
	if c.TransferEventLabels == nil {
		c.TransferEventLabels = DefaultTransferEventLabels
	}
	return c
}
