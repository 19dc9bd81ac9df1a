package e2e

import (
	"fmt"
	"strings"
)

// The Prometheus PromQL parser is not a dependency of this module, so the
// expressions of dashboards and rules are read with this small scanner. It
// only needs to tell metric names, label matchers, grouping labels and range
// durations apart from functions, keywords, numbers and strings; it does not
// check the grammar (the real Prometheus does that in the live test).

type matcher struct{ Label, Op, Value string }

type selector struct {
	Metric   string // empty for a nameless {...} selector
	Matchers []matcher
}

// exprInfo is what an expression references.
type exprInfo struct {
	Selectors []selector
	Grouping  []string // labels in by/without/on/ignoring/group_left/group_right
	Ranges    []string // contents of every [...]
	Functions []string // function and aggregation names
}

func (e exprInfo) hasMatcher(s selector, label, op, value string) bool {
	for _, m := range s.Matchers {
		if m.Label == label && m.Op == op && m.Value == value {
			return true
		}
	}
	return false
}

var (
	groupingKeywords = setOf("by", "without", "on", "ignoring", "group_left", "group_right")
	otherKeywords    = setOf("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "start", "end")
	aggregations     = setOf("sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
		"bottomk", "topk", "quantile", "limitk", "limit_ratio")
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func isIdentStart(c byte) bool {
	return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

type scanner struct {
	src string
	i   int
}

func (s *scanner) peek() byte {
	if s.i < len(s.src) {
		return s.src[s.i]
	}
	return 0
}

func (s *scanner) skipSpace() {
	for s.i < len(s.src) {
		switch c := s.src[s.i]; {
		case isSpace(c):
			s.i++
		case c == '#': // comment to the end of the line
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		default:
			return
		}
	}
}

func (s *scanner) ident() string {
	start := s.i
	if s.i < len(s.src) && isIdentStart(s.src[s.i]) {
		s.i++
		for s.i < len(s.src) && isIdentChar(s.src[s.i]) {
			s.i++
		}
	}
	return s.src[start:s.i]
}

// str reads a quoted string starting at the quote and returns its content
// with backslash escapes resolved (raw for backticks).
func (s *scanner) str() (string, error) {
	q := s.src[s.i]
	start := s.i
	s.i++
	var b strings.Builder
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == q:
			s.i++
			return b.String(), nil
		case c == '\\' && q != '`' && s.i+1 < len(s.src):
			b.WriteByte(s.src[s.i+1])
			s.i += 2
		default:
			b.WriteByte(c)
			s.i++
		}
	}
	return "", fmt.Errorf("unterminated string at offset %d", start)
}

// matchers reads {label op "value", ...} starting at '{'.
func (s *scanner) matchers() ([]matcher, error) {
	var out []matcher
	err := s.delimited('}', "selector", func() error {
		var m matcher
		if c := s.peek(); c == '"' || c == '\'' {
			name, err := s.str()
			if err != nil {
				return err
			}
			m.Label = name
		} else {
			m.Label = s.ident()
		}
		if m.Label == "" {
			return fmt.Errorf("expected a label name at offset %d", s.i)
		}
		s.skipSpace()
		for _, op := range []string{"=~", "!~", "!=", "="} {
			if strings.HasPrefix(s.src[s.i:], op) {
				m.Op = op
				s.i += len(op)
				break
			}
		}
		if m.Op == "" {
			return fmt.Errorf("expected a match operator after %q at offset %d", m.Label, s.i)
		}
		s.skipSpace()
		if c := s.peek(); c != '"' && c != '\'' && c != '`' {
			return fmt.Errorf("expected a quoted value for %q at offset %d", m.Label, s.i)
		}
		v, err := s.str()
		if err != nil {
			return err
		}
		m.Value = v
		out = append(out, m)
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.i++
		case '}':
		default:
			return fmt.Errorf("expected ',' or '}' at offset %d", s.i)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// labelList reads (a, b, c) starting at '('.
func (s *scanner) labelList() ([]string, error) {
	var out []string
	err := s.delimited(')', "label list", func() error {
		if s.peek() == ',' {
			s.i++
			return nil
		}
		name := s.ident()
		if name == "" {
			return fmt.Errorf("expected a label name at offset %d", s.i)
		}
		out = append(out, name)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// delimited reads from the opening bracket at s.i up to and including its
// closing bracket end, calling item at each element (spaces skipped); what
// names the construct when end never comes.
func (s *scanner) delimited(end byte, what string, item func() error) error {
	start := s.i
	s.i++
	for {
		s.skipSpace()
		switch s.peek() {
		case 0:
			return fmt.Errorf("unterminated %s at offset %d", what, start)
		case end:
			s.i++
			return nil
		}
		if err := item(); err != nil {
			return err
		}
	}
}

// nextWord returns the identifier after position i (skipping spaces) without
// consuming anything.
func (s *scanner) nextWord() string {
	save := s.i
	defer func() { s.i = save }()
	s.skipSpace()
	return s.ident()
}

// analyzePromQL lists what expr references. Grafana variables must already be
// replaced, except inside strings and ranges where they are harmless.
func analyzePromQL(expr string) (exprInfo, error) {
	var info exprInfo
	s := &scanner{src: expr}
	depth := 0
	for {
		s.skipSpace()
		if s.i >= len(s.src) {
			break
		}
		c := s.src[s.i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			if _, err := s.str(); err != nil {
				return info, err
			}
		case c == '[':
			j := strings.IndexByte(s.src[s.i:], ']')
			if j < 0 {
				return info, fmt.Errorf("unterminated range at offset %d", s.i)
			}
			info.Ranges = append(info.Ranges, strings.TrimSpace(s.src[s.i+1:s.i+j]))
			s.i += j + 1
		case c == '{':
			ms, err := s.matchers()
			if err != nil {
				return info, err
			}
			info.Selectors = append(info.Selectors, selector{Matchers: ms})
		case c == '$': // an unreplaced Grafana variable: skip it
			s.i++
			if s.peek() == '{' {
				j := strings.IndexByte(s.src[s.i:], '}')
				if j < 0 {
					return info, fmt.Errorf("unterminated ${ at offset %d", s.i)
				}
				s.i += j + 1
			} else {
				s.ident()
			}
		case isDigit(c) || (c == '.' && s.i+1 < len(s.src) && isDigit(s.src[s.i+1])):
			// number or duration (0.95, 1e3, 15m, 0x1f)
			for s.i < len(s.src) && (isIdentChar(s.src[s.i]) || s.src[s.i] == '.') {
				s.i++
			}
		case isIdentStart(c):
			word := s.ident()
			s.skipSpace()
			next := s.peek()
			switch {
			case groupingKeywords[word]:
				if next == '(' {
					ls, err := s.labelList()
					if err != nil {
						return info, err
					}
					info.Grouping = append(info.Grouping, ls...)
				}
			case otherKeywords[word]:
			case next == '(':
				info.Functions = append(info.Functions, word)
			case aggregations[word] && groupingKeywords[s.nextWord()]:
				info.Functions = append(info.Functions, word)
			default:
				sel := selector{Metric: word}
				if next == '{' {
					ms, err := s.matchers()
					if err != nil {
						return info, err
					}
					sel.Matchers = ms
				}
				info.Selectors = append(info.Selectors, sel)
			}
		default:
			switch c {
			case '(':
				depth++
			case ')':
				depth--
				if depth < 0 {
					return info, fmt.Errorf("unbalanced ')' at offset %d", s.i)
				}
			}
			s.i++
		}
	}
	if depth != 0 {
		return info, fmt.Errorf("unbalanced parentheses")
	}
	return info, nil
}
