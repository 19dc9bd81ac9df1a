package config

import (
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config errors name the YAML path of the key (airudder.accounts[0].timeout)
// and the reason, never the value: a secret pasted into the wrong field, or
// a password inside base_url, must not come back in a log line, the answer
// of /-/reload or --config.check. yaml.v3's own messages quote the value
// (cannot unmarshal !!str `...` into int), so they are rewritten here.

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// describeSyntaxError rewrites a YAML syntax error. yaml.v3 reports parser
// errors ("did not find expected key") at the line where the enclosing
// block started, not at the badly indented line; badIndentLine finds that.
func describeSyntaxError(err error, src []byte) error {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return errors.New("invalid YAML")
	}
	line, _ := strconv.Atoi(m[1])
	msg := m[2]
	if strings.HasPrefix(msg, "did not find expected") {
		if l := badIndentLine(src); l > 0 {
			return fmt.Errorf("line %d: bad indentation (%s)", l, msg)
		}
	}
	return fmt.Errorf("line %d: %s", line, msg)
}

// badIndentLine returns the first line (1-based) that dedents to a column
// no enclosing block started at, or 0.
func badIndentLine(src []byte) int {
	stack := []int{0}
	inBlockScalar, blockIndent := false, 0
	for i, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if inBlockScalar {
			if indent > blockIndent {
				continue
			}
			inBlockScalar = false
		}
		popped := false
		for len(stack) > 1 && stack[len(stack)-1] > indent {
			stack, popped = stack[:len(stack)-1], true
		}
		if top := stack[len(stack)-1]; indent > top {
			if popped {
				return i + 1 // dedented to between two open blocks
			}
			stack = append(stack, indent)
		} else if indent < top {
			return i + 1
		}
		// "- key: v" opens a mapping at the column after "- ".
		if rest, ok := strings.CutPrefix(trimmed, "- "); ok && strings.Contains(rest, ":") {
			stack = append(stack, indent+2+len(rest)-len(strings.TrimLeft(rest, " ")))
		}
		if s := strings.TrimSpace(trimmed); strings.HasSuffix(s, "|") || strings.HasSuffix(s, ">") ||
			strings.HasSuffix(s, "|-") || strings.HasSuffix(s, ">-") {
			inBlockScalar, blockIndent = true, indent
		}
	}
	return 0
}

// describeDecodeError rewrites the errors of the strict decode into
// "path: reason" lines.
func describeDecodeError(err error, root *yaml.Node) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return errors.New("invalid configuration")
	}
	paths := linePaths(root, reflect.TypeFor[Config]())
	var out []string
	for _, e := range te.Errors {
		m := yamlLine.FindStringSubmatch(e)
		if m == nil {
			out = append(out, "invalid value")
			continue
		}
		line, _ := strconv.Atoi(m[1])
		path := paths[line]
		if path == "" {
			path = "line " + m[1]
		}
		out = append(out, fmt.Sprintf("%s: %s (line %d)", path, decodeReason(m[2]), line))
	}
	return errors.New(strings.Join(out, "; "))
}

var intoType = regexp.MustCompile(` into (\S+)$`)

func decodeReason(msg string) string {
	switch {
	case strings.HasPrefix(msg, "field ") && strings.Contains(msg, " not found in type "):
		return "unknown key"
	case strings.HasPrefix(msg, "mapping key ") && strings.Contains(msg, " already defined"):
		return "key given twice"
	case strings.HasPrefix(msg, "must be "):
		return msg // our own (Duration)
	case strings.HasPrefix(msg, "cannot unmarshal "):
		m := intoType.FindStringSubmatch(msg)
		if m == nil {
			return "wrong type"
		}
		switch t := m[1]; {
		case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
			return "must be an integer"
		case t == "bool":
			return "must be true or false"
		case t == "string" || t == "config.Secret":
			return "must be a string"
		case strings.HasPrefix(t, "[]"):
			return "must be a list"
		default:
			return "must be a mapping"
		}
	}
	return "invalid value"
}

// linePaths maps each line of the file to the YAML path of the deepest key
// (or list item) on it. t is the type the document decodes into: a key
// joins the path only inside a mapping the schema reads as one (a struct or
// a map). A mapping or list where a scalar belongs is the value given, so
// its keys are its text (`token: {S3cr3t}` is the mapping {S3cr3t: null});
// every line of it gets the field's own path.
func linePaths(root *yaml.Node, t reflect.Type) map[int]string {
	paths := map[int]string{}
	var opaque func(n *yaml.Node, path string)
	opaque = func(n *yaml.Node, path string) {
		if _, ok := paths[n.Line]; !ok {
			paths[n.Line] = path
		}
		for _, c := range n.Content {
			opaque(c, path)
		}
	}
	var walk func(n *yaml.Node, path string, t reflect.Type)
	walk = func(n *yaml.Node, path string, t reflect.Type) {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path, t)
			}
		case yaml.MappingNode:
			if t != nil && t.Kind() != reflect.Struct && t.Kind() != reflect.Map && t.Kind() != reflect.Interface {
				opaque(n, path)
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				paths[k.Line] = p
				walk(v, p, schemaChild(t, k.Value))
			}
		case yaml.SequenceNode:
			if t != nil && t.Kind() != reflect.Slice && t.Kind() != reflect.Array && t.Kind() != reflect.Interface {
				opaque(n, path)
				return
			}
			var elem reflect.Type
			if t != nil && t.Kind() != reflect.Interface {
				elem = t.Elem()
			}
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if _, ok := paths[c.Line]; !ok || c.Kind != yaml.ScalarNode {
					paths[c.Line] = p
				}
				walk(c, p, elem)
			}
		case yaml.ScalarNode, yaml.AliasNode:
			if _, ok := paths[n.Line]; !ok {
				paths[n.Line] = path
			}
		}
	}
	walk(root, "", t)
	return paths
}

// schemaChild is the type the value of key decodes into inside a value of
// type t (a struct's field by its yaml name, a map's element), or nil when
// t is unknown or has no such field: an unknown key, named in its error.
func schemaChild(t reflect.Type, key string) reflect.Type {
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return t.Elem()
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if name == key && f.IsExported() {
				return f.Type
			}
		}
	}
	return nil
}

// fileError describes a failed *_file read by its reason only: the path
// (which may itself be a pasted secret) is not repeated. Unwrap keeps
// errors.Is(err, fs.ErrNotExist) working.
type fileError struct {
	reason string
	err    error
}

func (e *fileError) Error() string { return e.reason }
func (e *fileError) Unwrap() error { return e.err }

func newFileError(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fileError{"file not found", err}
	case errors.Is(err, fs.ErrPermission):
		return &fileError{"permission denied", err}
	default:
		return &fileError{"cannot read the file", err}
	}
}
