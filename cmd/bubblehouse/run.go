package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed: an API error, the network, a file
	exitUsage = 2 // the command line or the configuration is wrong
)

// env is everything the command reads from and writes to, so that tests run
// it in-process with buffers and a fake environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	// stdoutTTY and stderrTTY say whether the streams are terminals: they
	// decide the trailing newline of --json and the export's progress line.
	stdoutTTY bool
	stderrTTY bool
	now       func() time.Time
	// wrapTransport, when set, wraps the HTTP transport the command builds
	// for the API, so that tests can record the bytes on the wire. It is
	// nil outside tests.
	wrapTransport func(http.RoundTripper) http.RoundTripper
}

// run is the whole command, minus the process: main passes it the real
// streams and environment and exits with what it returns.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return runEnv(ctx, args, &env{
		stdin:     stdin,
		stdout:    stdout,
		stderr:    stderr,
		getenv:    getenv,
		stdoutTTY: isTerminal(stdout),
		stderrTTY: isTerminal(stderr),
		now:       time.Now,
	})
}

// isTerminal reports whether w is a character device such as a terminal.
// Anything but an *os.File (a buffer, a pipe wrapper) is not.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// usageError is a mistake in the command line or the configuration: exit 2.
type usageError struct {
	msg string
	cmd string // the command whose help explains the fix; "" for the main help
}

func (e *usageError) Error() string { return e.msg }

func usagef(cmd, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), cmd: cmd}
}

// runEnv parses the command line, runs the command and reports its error on
// stderr in one line.
func runEnv(ctx context.Context, args []string, e *env) int {
	a := &app{env: e, g: newGlobals()}
	err := a.main(ctx, args)
	if err == nil {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		help := "bubblehouse help"
		if ue.cmd != "" {
			help += " " + ue.cmd
		}
		a.printError(ue.cmd, fmt.Sprintf("%s (see '%s')", ue.msg, help))
		return exitUsage
	}
	a.printError(a.cmdName, describe(err))
	return exitError
}

// app is one run of the command.
type app struct {
	env     *env
	g       globals
	cmdName string
	// secret is kept to scrub it from any message, as a last line of
	// defence: no error of the SDK or of this command holds it.
	secret string
}

func (a *app) main(ctx context.Context, args []string) error {
	gfs := newFlagSet("bubblehouse")
	a.g.register(gfs)
	if err := gfs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainUsage(a.env.stdout)
			return nil
		}
		return usagef("", "%v", err)
	}
	rest := gfs.Args()
	if len(rest) == 0 {
		return usagef("", "no command given")
	}
	name := rest[0]
	if name == "help" {
		return a.help(rest[1:])
	}
	cmd, ok := findCommand(name)
	if !ok {
		return usagef("", "unknown command %q", name)
	}
	a.cmdName = cmd.name

	var o cmdOptions
	cfs := newFlagSet(cmd.name)
	cmd.flags(cfs, &o)
	a.g.register(cfs) // global flags may also follow the command
	if err := cfs.Parse(rest[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandUsage(a.env.stdout, cmd)
			return nil
		}
		return usagef(cmd.name, "%v", err)
	}
	if cfs.NArg() > 0 {
		return usagef(cmd.name, "unexpected argument %q", cfs.Arg(0))
	}
	// A negative limit is a typo, not a wish for no limit: refuse it rather
	// than run a possibly long export with none.
	if a.g.timeout < 0 {
		return usagef("", "--timeout %v is negative; give a positive duration, or 0 for no limit", a.g.timeout)
	}
	if cmd.validate != nil {
		if err := cmd.validate(&o); err != nil {
			return err
		}
	}

	sess, err := a.connect()
	if err != nil {
		return err
	}
	defer sess.close()
	if a.g.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.g.timeout)
		defer cancel()
	}
	return cmd.run(ctx, a, sess, &o)
}

// help handles "bubblehouse help [command]".
func (a *app) help(args []string) error {
	switch len(args) {
	case 0:
		printMainUsage(a.env.stdout)
		return nil
	case 1:
		cmd, ok := findCommand(args[0])
		if !ok {
			return usagef("", "unknown command %q", args[0])
		}
		printCommandUsage(a.env.stdout, cmd)
		return nil
	}
	return usagef("", "help takes at most one command")
}

// newFlagSet returns a flag set that reports errors to the caller instead
// of printing them, so that every error is one line in one format.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printError writes "bubblehouse <cmd>: msg" to stderr as one line, with
// the secret scrubbed. The message may hold text the server chose, so it is
// cleaned by cell, as every table value is.
func (a *app) printError(cmd, msg string) {
	prefix := "bubblehouse"
	if cmd != "" {
		prefix += " " + cmd
	}
	fmt.Fprintf(a.env.stderr, "%s: %s\n", prefix, a.scrub(cell(msg)))
}

// scrub replaces the shared secret in s, should it ever be there.
func (a *app) scrub(s string) string {
	if len(a.secret) >= 8 {
		s = strings.ReplaceAll(s, a.secret, "[redacted]")
	}
	return s
}

// describe turns an error into one line that names the API's error id when
// there is one.
func describe(err error) string {
	msg := strings.TrimPrefix(err.Error(), "bubblehouse: ")
	var checkErr *bubblehouse.CheckError
	if errors.As(err, &checkErr) {
		msg = "check failed: " + checkErr.Problem + "; fix: " + checkFix(checkErr)
	}
	var apiErr *bubblehouse.APIError
	if errors.As(err, &apiErr) && apiErr.ID != "" && !strings.Contains(msg, apiErr.ID) {
		msg += " [" + apiErr.ID + "]"
	}
	return msg
}

// checkFix words the fix of a failed preflight in the command's own terms
// (flags and variables rather than SDK options), keeping the SDK's words for
// the rest.
func checkFix(e *bubblehouse.CheckError) string {
	var apiErr *bubblehouse.APIError
	switch {
	case errors.Is(e.Err, bubblehouse.ErrInvalidToken):
		return "check the key ID (--key-id or " + envKeyID + ") and the shared secret (--secret-file or " + envSecret + ") against the API console, that the key is not revoked, and this machine's clock"
	case errors.Is(e.Err, bubblehouse.ErrAPIVersion):
		return "use --api-version " + bubblehouse.DefaultAPIVersion + " (the default) or a version your account has enabled"
	case errors.Is(e.Err, bubblehouse.ErrAuth):
		return "use the key of this shop (--key-id and the secret); customer tokens cannot run this check"
	case errors.As(e.Err, &apiErr) && apiErr.StatusCode == 404:
		return "check the shop slug (--shop or " + envShop + ") and --base-url"
	}
	return flagWords(e.Fix)
}

// flagWords turns the SDK's option names in a message into the flags that
// set them.
func flagWords(s string) string {
	return strings.NewReplacer(
		"WithAPIVersion", "--api-version",
		"WithBaseURL", "--base-url",
		"WithSigningKey", "the key ID and secret",
	).Replace(s)
}
