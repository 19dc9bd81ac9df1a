package main

import (
	"fmt"

	"github.com/alecthomas/kingpin/v2"
)

// namedFlagError names the flag a parse error is about. kingpin returns a
// value's own error ("enum value must be one of debug,info,warn,error, got
// 'verbose'", `time: invalid duration "abc"`) without saying which flag it
// came from; the arguments are tokenized again and each flag's value is
// set once more to find the first one that fails. Errors that are not about
// a flag value (unknown flag, missing value) are returned unchanged: kingpin
// already names the flag in those.
func namedFlagError(app *kingpin.Application, args []string, err error) error {
	ctx, perr := app.ParseContext(args)
	if perr != nil || ctx == nil {
		return err
	}
	for _, el := range ctx.Elements {
		f, ok := el.Clause.(*kingpin.FlagClause)
		if !ok || el.Value == nil {
			continue
		}
		// Model().Value is the flag's own value; setting it again is
		// harmless, the program exits after a parse error.
		if serr := f.Model().Value.Set(*el.Value); serr != nil {
			return fmt.Errorf("--%s=%s: %w", f.Model().Name, *el.Value, serr)
		}
	}
	return err
}
