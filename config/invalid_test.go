package config

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// invalidCase is one testdata/invalid-*.yml file and why it must fail.
type invalidCase struct {
	file string
	// rule is a verb-free fragment of the fmt.Errorf/errors.New literal in
	// finish() that this file exercises; "" for decode errors and for the
	// shared parsePrefixes message. TestEveryRuleHasOneFile matches it
	// against the source, so each validation has exactly one file.
	rule string
	// want are fragments the error message must contain, so a file that
	// fails for another reason (a typo in the file, a rule firing earlier)
	// is caught.
	want []string
	// is, when set, must match via errors.Is.
	is error
	// secret is the bad value in the file: the error must not repeat it
	// (it could be a pasted secret).
	secret string
}

var invalidCases = []invalidCase{
	// Decode errors (Parse, Duration.UnmarshalYAML).
	{file: "invalid-unknown-key.yml", want: []string{"parsing config", "airudder.accounts[0].min_intervall: unknown key"}},
	{file: "invalid-yaml-syntax.yml", want: []string{"parsing config", "did not find expected ',' or ']'"}},
	{file: "invalid-bad-duration.yml", want: []string{"parsing config", "line 4", "airudder.accounts[0].min_interval: must be a duration"}, secret: "5 minutes"},

	// finish(): accounts, in source order.
	{file: "invalid-account-name.yml", rule: "must be 1-64 characters of", want: []string{"airudder.accounts[0].name"}, secret: "my account"},
	{file: "invalid-duplicate-account.yml", rule: "duplicate account name", want: []string{"airudder.accounts[1].name"}, secret: "main"},
	{file: "invalid-base-url.yml", rule: "must be an absolute http(s) URL", want: []string{"airudder.accounts[0].base_url"}, secret: "ftp://api.airudder.com"},
	{file: "invalid-key-and-key-file.yml", rule: "app_key and app_key_file are mutually exclusive", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-key-file-missing.yml", rule: ".app_key_file: ", want: []string{"airudder.accounts[0].app_key_file", "file not found"}, is: fs.ErrNotExist, secret: "no-such-file.txt"},
	{file: "invalid-key-file-empty.yml", want: []string{"airudder.accounts[0].app_key_file: file \"testdata/secrets/blank.txt\" is empty"}},
	{file: "invalid-secret-and-secret-file.yml", rule: "app_secret and app_secret_file are mutually exclusive", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-secret-file-missing.yml", rule: ".app_secret_file: ", want: []string{"airudder.accounts[0].app_secret_file", "file not found"}, is: fs.ErrNotExist, secret: "no-such-file.txt"},
	{file: "invalid-secret-file-empty.yml", want: []string{"airudder.accounts[0].app_secret_file: file \"testdata/secrets/empty.txt\" is empty"}},
	{file: "invalid-key-without-secret.yml", rule: "app_key is set but app_secret", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-timezone.yml", rule: ".timezone: ", want: []string{"airudder.accounts[0].timezone"}, secret: "Mars/Olympus_Mons"},
	{file: "invalid-negative-min-interval.yml", rule: "min_interval must not be negative", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-negative-timeout.yml", rule: ": timeout must be positive", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-window-days.yml", rule: "window_days must be between 1 and 31", want: []string{"airudder.accounts[0]"}},
	{file: "invalid-max-label-values.yml", rule: ": max_label_values must be between 1 and 1000", want: []string{"airudder.accounts[0]"}},

	// finish(): webhooks, in source order.
	{file: "invalid-token-and-token-file.yml", rule: "token and token_file are mutually exclusive"},
	{file: "invalid-token-file-missing.yml", rule: "webhooks.token_file: ", want: []string{"file not found"}, is: fs.ErrNotExist, secret: "no-such-file.txt"},
	{file: "invalid-token-file-empty.yml", want: []string{"webhooks.token_file: file \"testdata/secrets/empty.txt\" is empty"}},
	{file: "invalid-webhook-max-body.yml", rule: "webhooks.max_body_bytes must be between 1024 and 67108864"},
	{file: "invalid-webhook-laaffic-max-body.yml", rule: "laaffic_max_body_bytes must be between 1024 and 67108864"},
	{file: "invalid-dedup-window.yml", rule: "dedup_window must be at least 1m"},
	{file: "invalid-dedup-max-entries.yml", rule: "dedup_max_entries must be between 1000 and 50000000"},
	{file: "invalid-webhook-max-label-values.yml", rule: "webhooks.max_label_values must be between 1 and 1000"},
	{file: "invalid-max-concurrent.yml", rule: "max_concurrent_requests must be positive"},
	{file: "invalid-negative-read-timeout.yml", rule: "read_timeout must be positive"},

	// Webhook accounts (finishLaaffic; webhook_token is checked for
	// airudder accounts in finish() too, by the same resolveSecret).
	{file: "invalid-laaffic-account-name.yml", want: []string{"laaffic.accounts[0].name", "must be 1-64 characters"}, secret: "bad name"},
	{file: "invalid-laaffic-duplicate-account.yml", want: []string{"laaffic.accounts[1].name", "duplicate LAAFFIC account name"}},
	{file: "invalid-webhook-token-and-file.yml", rule: "webhook_token and webhook_token_file are mutually exclusive", want: []string{"airudder.accounts[0]", "webhook_token and webhook_token_file are mutually exclusive"}},
	{file: "invalid-webhook-token-file-missing.yml", rule: ".webhook_token_file: ", want: []string{"laaffic.accounts[0].webhook_token_file"}, secret: "no-such-file.txt", is: fs.ErrNotExist},
	{file: "invalid-webhook-token-file-empty.yml", want: []string{"airudder.accounts[0].webhook_token_file: file \"testdata/secrets/blank.txt\" is empty"}},
	{file: "invalid-laaffic-webhook-token-file-empty.yml", want: []string{"laaffic.accounts[0].webhook_token_file: file \"testdata/secrets/empty.txt\" is empty"}},
	// Webhook decryption keys (finishAiRudderAESKeys).
	{file: "invalid-aes-key-and-key-file.yml", want: []string{"airudder.accounts[0]", "aes_key and aes_key_file are mutually exclusive"}, secret: "airudderredduria"},
	{file: "invalid-aes-key-file-missing.yml", want: []string{"airudder.accounts[0].aes_key_file", "file not found"}, secret: "no-such-aes-key.txt", is: fs.ErrNotExist},
	{file: "invalid-aes-key-file-empty.yml", want: []string{"airudder.accounts[0].aes_key_file: file \"testdata/secrets/empty.txt\" is empty"}},
	{file: "invalid-aes-key-length.yml", want: []string{"airudder.accounts[0].aes_key: the key must be 16, 24 or 32 bytes (AES-128, -192, -256), not 15"}, secret: "airudderredduri"},
	// (*Redis).finish: webhooks.redis, in source order.
	{file: "invalid-redis-no-address.yml", rule: "address, sentinel or cluster_addresses is required when other redis keys are set"},
	{file: "invalid-redis-address-and-sentinel.yml", rule: "address and sentinel are mutually exclusive"},
	{file: "invalid-redis-cluster-and-sentinel.yml", rule: "cluster_addresses excludes address and sentinel"},
	{file: "invalid-redis-address.yml", rule: "must be host:port", want: []string{"webhooks.redis.address"}, secret: "redis.internal"},
	{file: "invalid-redis-sentinel-no-master.yml", rule: "sentinel.master_name is required"},
	{file: "invalid-redis-sentinel-no-addresses.yml", rule: "sentinel.addresses: list at least one sentinel"},
	{file: "invalid-redis-sentinel-address.yml", rule: "webhooks.redis.sentinel.addresses[", want: []string{"addresses[1]: not a host:port"}, secret: "sentinel-1.internal"},
	{file: "invalid-redis-cluster-empty.yml", rule: "cluster_addresses: list at least one node"},
	{file: "invalid-redis-cluster-address.yml", rule: "webhooks.redis.cluster_addresses[", want: []string{"cluster_addresses[1]: not a host:port"}, secret: "redis-1.internal"},
	{file: "invalid-redis-cluster-db.yml", rule: "a Redis Cluster has only db 0"},
	{file: "invalid-max-body-bytes-in-flight-below-body-limit.yml", rule: "max_body_bytes_in_flight must be between the largest body limit", want: []string{"(8388608)"}},
	{file: "invalid-redis-password-and-file.yml", rule: "webhooks.redis: password and password_file are mutually exclusive"},
	{file: "invalid-redis-sentinel-password-and-file.yml", rule: "webhooks.redis.sentinel: password and password_file are mutually exclusive", secret: "sentinel-pass"},
	{file: "invalid-redis-sentinel-password-file-missing.yml", rule: "webhooks.redis.sentinel.password_file: ", want: []string{"file not found"}, secret: "no-such-sentinel-file.txt", is: fs.ErrNotExist},
	{file: "invalid-redis-sentinel-password-file-empty.yml", want: []string{"webhooks.redis.sentinel.password_file: file \"testdata/secrets/blank.txt\" is empty"}},
	{file: "invalid-redis-password-file-missing.yml", rule: "webhooks.redis.password_file: ", want: []string{"file not found"}, secret: "no-such-file.txt", is: fs.ErrNotExist},
	{file: "invalid-redis-password-file-empty.yml", want: []string{"webhooks.redis.password_file: file \"testdata/secrets/empty.txt\" is empty"}},
	{file: "invalid-redis-db.yml", rule: "redis.db must not be negative"},
	{file: "invalid-redis-key-prefix.yml", rule: "printable characters without spaces", want: []string{"webhooks.redis.key_prefix"}, secret: "my exporter:"},
	{file: "invalid-redis-timeout.yml", rule: "redis.timeout must be between 10ms and 30s"},
	{file: "invalid-redis-tls.yml", rule: "webhooks.redis.tls: ", want: []string{"cert_file and key_file must be given together"}},

	// AiRudder webhook dimensions (finishAiRudderWebhooks).
	{file: "invalid-robot-hash.yml", want: []string{"webhooks.robots: robot hash", "must be non-empty without surrounding spaces"}},
	{file: "invalid-robot-name.yml", want: []string{`webhooks.robots["f3298554be9"]`, "robot name must be 1-64 bytes of printable UTF-8"}},
	{file: "invalid-campaign-match-missing.yml", want: []string{"webhooks.campaigns[0]", "match (an RE2 regular expression) is required"}},
	{file: "invalid-campaign-match.yml", want: []string{"webhooks.campaigns[0]", ": match is not a valid RE2 expression: ", "missing closing )"}},
	{file: "invalid-campaign-name.yml", want: []string{"webhooks.campaigns[0]", "campaign name template must be non-empty printable text of at most 64 bytes"}},
	{file: "invalid-campaign-group.yml", want: []string{"webhooks.campaigns[1]", ": campaign name refers to a group the match does not have: ", "$2 (the match has 1 groups)"}},
	{file: "invalid-transfer-event-label.yml", want: []string{"webhooks.transfer_event_labels[1]", "an event label must not be empty"}},

	// LAAFFIC balance collector and scripts (finishBalance, checkLaafficScripts).
	{file: "invalid-laaffic-base-url.yml", want: []string{"laaffic.accounts[0].base_url", "must be an absolute http(s) URL"}, secret: "api.laaffic.com"},
	{file: "invalid-laaffic-key-and-key-file.yml", want: []string{"laaffic.accounts[0]", "api_key and api_key_file are mutually exclusive"}},
	{file: "invalid-laaffic-key-file-empty.yml", want: []string{"laaffic.accounts[0].api_key_file: file \"testdata/secrets/blank.txt\" is empty"}},
	{file: "invalid-laaffic-secret-file-missing.yml", want: []string{"laaffic.accounts[0].api_secret_file", "file not found"}, secret: "no-such-file.txt", is: fs.ErrNotExist},
	{file: "invalid-laaffic-secret-file-empty.yml", want: []string{"laaffic.accounts[0].api_secret_file: file \"testdata/secrets/empty.txt\" is empty"}},
	{file: "invalid-laaffic-key-without-secret.yml", want: []string{"laaffic.accounts[1]", "api_key and api_secret (or their _file forms) must be given together"}},
	{file: "invalid-laaffic-negative-interval.yml", want: []string{"laaffic.accounts[0]", "min_interval and timeout must not be negative"}},
	{file: "invalid-laaffic-collect.yml", want: []string{"laaffic.accounts[0].collect[1]", "unknown endpoint (want one of balance, sip_trunks, agents, numbers, tasks)"}, secret: "trunk_status"},
	{file: "invalid-laaffic-collect-twice.yml", want: []string{"laaffic.accounts[0].collect[2]", "endpoint agents listed twice"}},
	{file: "invalid-laaffic-timezone.yml", want: []string{"laaffic.accounts[0].timezone", "unknown IANA time zone"}, secret: "Mars/Olympus_Mons"},
	{file: "invalid-laaffic-tasks-window.yml", want: []string{"laaffic.accounts[0].tasks_window", "must be between 1h and 31 days"}},
	{file: "invalid-laaffic-script-name.yml", want: []string{"webhooks.laaffic_scripts", `"123"`, "name must be 1-64 bytes"}},

	// parsePrefixes: one message, two fields.
	{file: "invalid-cidr.yml", want: []string{"webhooks.allowed_cidrs[1]", "neither a CIDR nor an IP address"}, secret: "10.0.0.0/33"},
	{file: "invalid-trusted-proxy.yml", want: []string{"webhooks.trusted_proxies[0]", "neither a CIDR nor an IP address"}, secret: "proxy.internal"},
}

func TestInvalidConfigs(t *testing.T) {
	for _, tc := range invalidCases {
		t.Run(tc.file, func(t *testing.T) {
			c, err := Load(filepath.Join("testdata", tc.file))
			if err == nil {
				t.Fatalf("Load succeeded, want an error (config: %+v)", c)
			}
			if c != nil {
				t.Errorf("Load returned a Config alongside error %v", err)
			}
			msg := err.Error()
			for _, w := range append([]string{tc.rule}, tc.want...) {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if tc.secret != "" && strings.Contains(msg, tc.secret) {
				t.Errorf("error %q repeats the value %q from the file", msg, tc.secret)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q: errors.Is(%v) = false", msg, tc.is)
			}
		})
	}
}

// TestNoOrphanInvalidFiles fails when a testdata/invalid-*.yml file is not in
// the table (it would never be checked) or a table row names a missing file.
func TestNoOrphanInvalidFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "invalid-*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	inTable := map[string]bool{}
	for _, tc := range invalidCases {
		if inTable[tc.file] {
			t.Errorf("%s is listed twice in invalidCases", tc.file)
		}
		inTable[tc.file] = true
	}
	onDisk := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		onDisk[name] = true
		if !inTable[name] {
			t.Errorf("orphan file testdata/%s: add it to invalidCases", name)
		}
	}
	for name := range inTable {
		if !onDisk[name] {
			t.Errorf("invalidCases names testdata/%s, which does not exist", name)
		}
	}
}

// TestEveryRuleHasOneFile reads finish() from the package source and checks
// that each error literal it returns is matched by exactly one table rule,
// and each rule by exactly one literal. Adding a validation without its
// invalid file makes this fail.
func TestEveryRuleHasOneFile(t *testing.T) {
	lits := finishErrorLiterals(t)
	if len(lits) < 20 {
		t.Fatalf("found only %d error literals in finish(); the source walker is broken: %q", len(lits), lits)
	}
	for _, lit := range lits {
		var files []string
		for _, tc := range invalidCases {
			if tc.rule != "" && strings.Contains(lit, tc.rule) {
				files = append(files, tc.file)
			}
		}
		if len(files) != 1 {
			t.Errorf("finish() error %q is covered by %d files %v, want exactly 1", lit, len(files), files)
		}
	}
	for _, tc := range invalidCases {
		if tc.rule == "" {
			continue
		}
		n := 0
		for _, lit := range lits {
			if strings.Contains(lit, tc.rule) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: rule %q matches %d literals in finish(), want 1", tc.file, tc.rule, n)
		}
	}
}

// finishErrorLiterals returns the format strings of every
// `return fmt.Errorf("...")` / `return errors.New("...")` in (*Config).finish,
// including those of the package functions it calls for a validation.
func finishErrorLiterals(t *testing.T) []string {
	t.Helper()
	return errorLiterals(t, "finish")
}

// errorLiterals returns the error format strings of the method fnName. A
// call to one of delegatedRules (e.g. resolveSecret(where, "app_key", ...))
// counts as that function's format
// strings, with each verb whose argument is a parameter passed a string
// literal at the call replaced by that literal, as the message reads.
func errorLiterals(t *testing.T, fnName string) []string {
	t.Helper()
	srcs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	funcs := map[string]*ast.FuncDecl{}
	var methods []*ast.FuncDecl
	for _, src := range srcs {
		if strings.HasSuffix(src, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, src, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			switch {
			case !ok:
			case fn.Recv == nil:
				funcs[fn.Name.Name] = fn
			case fn.Name.Name == fnName:
				methods = append(methods, fn)
			}
		}
	}
	if len(methods) == 0 {
		t.Fatalf("(*Config).%s not found in the package sources", fnName)
	}
	var lits []string
	for _, fn := range methods {
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ReturnStmt:
				for _, r := range n.Results {
					if lit, ok := errorCallLiteral(t, fset, r, nil); ok {
						lits = append(lits, lit)
					}
				}
			case *ast.CallExpr:
				id, ok := n.Fun.(*ast.Ident)
				if !ok || !delegatedRules[id.Name] {
					return true
				}
				if funcs[id.Name] == nil {
					t.Fatalf("%s not found in the package sources", id.Name)
				}
				lits = append(lits, calledErrorLiterals(t, fset, funcs[id.Name], n)...)
			}
			return true
		})
	}
	return lits
}

// delegatedRules are the package functions that check a rule for their
// caller (the same rule for several YAML paths): their errors count as the
// caller's.
var delegatedRules = map[string]bool{"resolveSecret": true, "claimAccountName": true}

// calledErrorLiterals returns the error format strings of helper as called
// by call.
func calledErrorLiterals(t *testing.T, fset *token.FileSet, helper *ast.FuncDecl, call *ast.CallExpr) []string {
	t.Helper()
	bound := map[string]string{}
	i := 0
	for _, field := range helper.Type.Params.List {
		for _, name := range field.Names {
			if i < len(call.Args) {
				if bl, ok := call.Args[i].(*ast.BasicLit); ok && bl.Kind == token.STRING {
					v, err := strconv.Unquote(bl.Value)
					if err != nil {
						t.Fatal(err)
					}
					bound[name.Name] = v
				}
			}
			i++
		}
	}
	var lits []string
	ast.Inspect(helper.Body, func(n ast.Node) bool {
		ret, ok := n.(*ast.ReturnStmt)
		if !ok {
			return true
		}
		for _, r := range ret.Results {
			if lit, ok := errorCallLiteral(t, fset, r, bound); ok {
				lits = append(lits, lit)
			}
		}
		return true
	})
	return lits
}

var formatVerb = regexp.MustCompile(`%[a-z]`)

// errorCallLiteral returns the format string of e when it is an
// fmt.Errorf/errors.New call, with the verbs whose arguments name a
// parameter in bound replaced by its value.
func errorCallLiteral(t *testing.T, fset *token.FileSet, e ast.Expr, bound map[string]string) (string, bool) {
	t.Helper()
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return "", false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "Errorf" && sel.Sel.Name != "New") {
		return "", false
	}
	bl, ok := call.Args[0].(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		t.Errorf("%s: error without a literal message; cannot map it to a file", fset.Position(call.Pos()))
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	if err != nil {
		t.Fatal(err)
	}
	args := call.Args[1:]
	n := 0
	return formatVerb.ReplaceAllStringFunc(s, func(verb string) string {
		defer func() { n++ }()
		if n < len(args) {
			if id, ok := args[n].(*ast.Ident); ok {
				if v, ok := bound[id.Name]; ok {
					return v
				}
			}
		}
		return verb
	}), true
}

// TestEveryDimensionRuleHasOneFile: each error of finishAiRudderWebhooks
// (its format string up to the first verb) is matched by exactly one
// invalid file's expected fragments.
func TestEveryDimensionRuleHasOneFile(t *testing.T) {
	lits := errorLiterals(t, "finishAiRudderWebhooks")
	if len(lits) < 7 {
		t.Fatalf("found only %d error literals: %q", len(lits), lits)
	}
	for _, lit := range lits {
		// The longest verb-free fragment names the rule.
		fixed := ""
		for _, part := range regexp.MustCompile(`%[a-z]`).Split(lit, -1) {
			if part = strings.Trim(part, "]: "); len(part) > len(fixed) {
				fixed = part
			}
		}
		var files []string
		for _, tc := range invalidCases {
			for _, w := range tc.want {
				if strings.Contains(w, fixed) {
					files = append(files, tc.file)
					break
				}
			}
		}
		if len(files) != 1 {
			t.Errorf("finishAiRudderWebhooks error %q (rule %q) is covered by %d files %v, want exactly 1", lit, fixed, len(files), files)
		}
	}
}
