package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

const mainUsageHead = `bubblehouse: look up Bubblehouse loyalty customers, export their data, mint tokens.

Usage:
  bubblehouse [global flags] <command> [flags]
  bubblehouse help [command]

Commands:
`

const mainUsageTail = `
Configuration comes from the flags or from the environment:
  BUBBLEHOUSE_SHOP, BUBBLEHOUSE_KEY_ID and BUBBLEHOUSE_SECRET.
Pass the secret in the environment or with --secret-file, never on the
command line. --demo needs none of it: it runs on an embedded fake shop.

Examples:
  bubblehouse --demo balance --email alice@example.com
  bubblehouse --secret-file ~/.bubblehouse-secret --shop my-shop --key-id K check
  bubblehouse export --email alice@example.com --out takeout.json

Exit status: 0 ok, 1 the command failed (the message names the API's error
id), 2 the command line or configuration is wrong.
`

func printMainUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString(mainUsageHead)
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nGlobal flags (before or after the command):\n")
	b.WriteString(defaults(func(fs *flag.FlagSet) { g := newGlobals(); g.register(fs) }))
	b.WriteString(mainUsageTail)
	_, _ = io.WriteString(w, b.String())
}

func printCommandUsage(w io.Writer, c command) {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: bubblehouse [global flags] %s %s\n\n%s.\n", c.name, c.args, capitalize(c.summary))
	if flags := defaults(func(fs *flag.FlagSet) { c.flags(fs, &cmdOptions{}) }); flags != "" {
		b.WriteString("\nFlags:\n")
		b.WriteString(flags)
	}
	b.WriteString("\nRun 'bubblehouse help' for the global flags and the configuration.\n")
	_, _ = io.WriteString(w, b.String())
}

// defaults renders the flags that register defines, as flag.PrintDefaults
// does.
func defaults(register func(fs *flag.FlagSet)) string {
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	register(fs)
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
