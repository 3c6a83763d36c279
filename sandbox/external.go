package sandbox

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mugai/mugai/sanitize/flatten"
)

// DefaultReadPaths are what an external converter may read when the
// config names nothing else (sandbox.read_paths): the shared libraries,
// the loader's cache, and the read-only data programs like pdftotext and
// antiword look for. Missing ones are skipped.
func DefaultReadPaths() []string {
	return []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/share", "/etc/ld.so.cache", "/etc/fonts"}
}

// resolveCommands finds each external converter's program (PATH as the
// gateway sees it: the worker has no PATH) and returns the commands with
// absolute program paths and what must be executable for them to start:
// the programs, their ELF interpreters (the dynamic loader), and the
// interpreter a "#!" script names.
func resolveCommands(commands map[string][]string) (map[string][]string, []string, error) {
	resolved := make(map[string][]string, len(commands))
	execs := map[string]bool{}
	for kind, argv := range commands {
		if len(argv) == 0 {
			return nil, nil, fmt.Errorf("converter for %s: empty command", kind)
		}
		path, err := exec.LookPath(argv[0])
		if err == nil {
			path, err = filepath.Abs(path)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("converter for %s: %w", kind, err)
		}
		resolved[kind] = append([]string{path}, argv[1:]...)
		for _, p := range startChain(path) {
			execs[p] = true
		}
	}
	list := make([]string, 0, len(execs))
	for p := range execs {
		list = append(list, p)
	}
	sort.Strings(list)
	return resolved, list, nil
}

// startChain is what the kernel opens for execution to start path: the
// file, the interpreter of a "#!" script, and an ELF file's PT_INTERP.
func startChain(path string) []string {
	chain := []string{path}
	if interp := scriptInterpreter(path); interp != "" {
		path = interp
		chain = append(chain, interp)
	}
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		for _, p := range f.Progs {
			if p.Type != elf.PT_INTERP {
				continue
			}
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil {
				chain = append(chain, string(bytes.TrimRight(b, "\x00")))
			}
		}
	}
	return chain
}

// scriptInterpreter returns the program a "#!" line names, or "".
func scriptInterpreter(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	rest, ok := strings.CutPrefix(line, "#!")
	if !ok {
		return ""
	}
	if fields := strings.Fields(rest); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

// splitReadPaths sorts the paths an external converter may read into
// files and directories (Landlock grants directory rights only to
// directories); paths that do not exist are left out.
func splitReadPaths(paths []string) (files, dirs []string, err error) {
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			return nil, nil, fmt.Errorf("read path %q is not absolute", p)
		}
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			continue
		case err != nil:
			return nil, nil, err
		case fi.IsDir():
			dirs = append(dirs, p)
		default:
			files = append(files, p)
		}
	}
	return files, dirs, nil
}

// external runs the admin's command for a kind: the file on its standard
// input, UTF-8 text expected on its standard output, no shell. It runs in
// the worker, under the worker's confinement, with the worker's (empty)
// environment.
func external(commands map[string][]string, maxOut int64) func(ctx context.Context, kind flatten.Kind, data []byte) (string, bool, error) {
	return func(ctx context.Context, kind flatten.Kind, data []byte) (string, bool, error) {
		argv, ok := commands[kind.ExternalName()]
		if !ok || len(argv) == 0 {
			return "", false, nil
		}
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(data)
		var out, errOut bytes.Buffer
		cmd.Stdout = &limitedBuffer{buf: &out, max: int(maxOut)}
		cmd.Stderr = &limitedBuffer{buf: &errOut, max: 1024}
		if err := cmd.Run(); err != nil {
			return "", true, fmt.Errorf("%s: %v %s", argv[0], err, bytes.TrimSpace(errOut.Bytes()))
		}
		return out.String(), true, nil
	}
}
