package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// An export holds everything Bubblehouse knows of a person. Written to a
// file, it goes to a temporary file beside the target, is checked to be one
// complete JSON value, is synced, and only then renamed into place: a file
// at the target path is always a complete export, however the command or
// the connection ends. The temporary file is created with mode
// 0600 (os.CreateTemp), and the final file keeps it.

func runExport(ctx context.Context, a *app, s *session, o *cmdOptions) error {
	in := &bubblehouse.ExportCustomerData1Input{Customer: o.customer}
	if o.out == "" || o.out == "-" {
		return a.exportToStdout(ctx, s.client, in)
	}
	return a.exportToFile(ctx, s.client, in, o.out, o.force)
}

// errExists is the refusal to overwrite an existing file.
type errExists struct{ path string }

func (e *errExists) Error() string {
	return fmt.Sprintf("%s exists; use --force to replace it", e.path)
}

func (a *app) exportToStdout(ctx context.Context, c *bubblehouse.Client, in *bubblehouse.ExportCustomerData1Input) error {
	var w io.Writer = a.env.stdout
	// A progress line would garble an export shown on the same terminal.
	var p *progress
	if a.env.stderrTTY && !a.env.stdoutTTY {
		p = newProgress(w, a.env.stderr, "stdout", a.env.now)
		w = p
	}
	// What goes to stdout cannot be taken back, but the exit status can
	// still say it is incomplete: the same check as for a file, on the
	// bytes as they pass. The checker drains what it does not need, so the
	// export never blocks on it.
	pr, pw := io.Pipe()
	checked := make(chan error, 1)
	go func() {
		err := checkOneJSONValue(pr)
		_, _ = io.Copy(io.Discard, pr)
		checked <- err
	}()
	n, err := c.ExportCustomerData1To(ctx, in, io.MultiWriter(w, pw))
	pw.CloseWithError(err) // nil: the checker sees the end of the export
	incomplete := <-checked
	if err != nil {
		incomplete = nil // the export's own error says more
	}
	p.done(errors.Join(err, incomplete))
	switch {
	case err != nil && n > 0:
		return fmt.Errorf("%s; the %d bytes written to stdout are incomplete", exportFailure(err, n), n)
	case err != nil:
		return errors.New(exportFailure(err, n))
	case incomplete != nil:
		return fmt.Errorf("export failed after %d bytes: the answer is not one complete JSON value: %v; the %d bytes written to stdout are incomplete", n, incomplete, n)
	}
	return nil
}

func (a *app) exportToFile(ctx context.Context, c *bubblehouse.Client, in *bubblehouse.ExportCustomerData1Input, path string, force bool) (err error) {
	// Refuse early, before spending an expensive export call.
	if fi, statErr := os.Stat(path); statErr == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s is a directory", path)
		}
		if !force {
			return &errExists{path}
		}
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return statErr
	}

	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.partial")
	if err != nil {
		return fmt.Errorf("creating the temporary file: %w", err)
	}
	tmpName := tmp.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				_ = tmp.Close()
			}
			_ = os.Remove(tmpName)
		}
	}()

	var w io.Writer = tmp
	var p *progress
	if a.env.stderrTTY {
		p = newProgress(tmp, a.env.stderr, path, a.env.now)
		w = p
	}
	n, err := c.ExportCustomerData1To(ctx, in, w)
	var incomplete error
	if err == nil {
		if _, serr := tmp.Seek(0, io.SeekStart); serr != nil {
			incomplete = fmt.Errorf("rereading the export: %w", serr)
		} else {
			incomplete = checkOneJSONValue(tmp)
		}
	}
	p.done(errors.Join(err, incomplete))
	if err != nil {
		return fmt.Errorf("%s; %s was not written", exportFailure(err, n), path)
	}
	if incomplete != nil {
		return fmt.Errorf("export failed after %d bytes: the answer is not one complete JSON value: %v; %s was not written", n, incomplete, path)
	}
	// The data must be on disk before the name points at it, or a crash
	// could leave a complete-looking name on an empty or partial file.
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("syncing the export to disk: %w", err)
	}
	closed = true
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("closing the export: %w", err)
	}
	if err = commit(tmpName, path, force); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// checkOneJSONValue reads r to its end and reports whether it holds
// exactly one complete JSON value with nothing but whitespace after it. The
// SDK cannot always tell a cut answer from a whole one: for a body that
// ends without HTTP framing (no Content-Length, not chunked, the connection
// simply closed) it checks only that the last byte closes the value, so a
// cut just after a nested value closes reads as complete. But a cut JSON
// value is not a value, so this is checked before a file export gets its
// name, and before a stdout export exits 0. The tokens are walked rather than decoded, so memory does not grow with the
// export (only with its longest string and its depth). Errors give byte
// offsets, never content: an export is personal data.
func checkOneJSONValue(r io.Reader) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	for depth := 0; ; {
		tok, err := dec.Token()
		switch {
		case err == io.EOF && depth == 0:
			return errors.New("it is empty")
		case err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF):
			return errors.New("it stops inside the value, so the answer was cut short")
		case err != nil:
			return fmt.Errorf("it is malformed near byte %d", dec.InputOffset())
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			break
		}
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("more than whitespace follows it, from byte %d", end)
	}
	return nil
}

// exportFailure describes a failed export with how far it got.
func exportFailure(err error, n int64) string {
	var expErr *bubblehouse.ExportError
	if errors.As(err, &expErr) {
		return fmt.Sprintf("export failed after %d bytes: %s", expErr.Written, describe(expErr.Err))
	}
	if n == 0 {
		return "export failed: " + describe(err)
	}
	return fmt.Sprintf("export failed after %d bytes: %s", n, describe(err))
}

// commit moves the finished temporary file to path. Without force it never
// replaces a file, even one created during the export: a hard link fails
// if the name exists, atomically. Where hard links are not supported, it
// falls back to checking first.
func commit(tmp, path string, force bool) error {
	if force {
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("moving the export into place: %w", err)
		}
		return nil
	}
	err := os.Link(tmp, path)
	switch {
	case err == nil:
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("the export is complete in %s, but the temporary file %s remains: %w", path, tmp, err)
		}
		return nil
	case errors.Is(err, fs.ErrExist):
		return &errExists{path}
	}
	if _, statErr := os.Lstat(path); statErr == nil {
		return &errExists{path}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("moving the export into place: %w", err)
	}
	return nil
}

// syncDir makes a rename in dir durable. Not every system can sync a
// directory; the export is complete either way, so failures are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// progressEvery is how often the progress line is redrawn.
const progressEvery = 200 * time.Millisecond

// progress counts the bytes written through it and redraws one status line
// (bytes and rate) on a terminal.
type progress struct {
	w     io.Writer
	out   io.Writer
	label string
	now   func() time.Time
	start time.Time
	last  time.Time
	n     int64
	width int
}

func newProgress(w, out io.Writer, label string, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, out: out, label: label, now: now, start: t, last: t}
}

func (p *progress) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.n += int64(n)
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		p.draw("")
	}
	return n, err
}

// done draws the final line. A nil progress does nothing.
func (p *progress) done(err error) {
	if p == nil {
		return
	}
	status := "done"
	if err != nil {
		status = "failed"
	}
	p.draw(status)
	_, _ = io.WriteString(p.out, "\n")
}

func (p *progress) draw(status string) {
	elapsed := p.now().Sub(p.start)
	line := fmt.Sprintf("export to %s: %s (%d bytes)", cell(p.label), humanBytes(float64(p.n)), p.n)
	if elapsed > 0 {
		line += fmt.Sprintf(", %s/s", humanBytes(float64(p.n)/elapsed.Seconds()))
	}
	if status != "" {
		line += ", " + status
	}
	pad := p.width - len(line)
	p.width = max(p.width, len(line))
	if pad < 0 {
		pad = 0
	}
	fmt.Fprintf(p.out, "\r%s%*s", line, pad, "")
}

func humanBytes(n float64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%.0f B", n)
	}
	suffixes := []string{"KiB", "MiB", "GiB", "TiB"}
	i := -1
	for n >= unit && i < len(suffixes)-1 {
		n /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", n, suffixes[i])
}
