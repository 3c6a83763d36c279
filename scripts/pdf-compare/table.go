//go:build ignore

// Command table prints the table of scripts/pdf-compare.sh from the files
// it left in a directory: for each PDF in DIR/pdf, DIR/out/NAME.ref.txt
// (pdftotext's text) and, for each reader, NAME.READER.txt (its text),
// NAME.READER.err (its standard error, with "elapsed_ns N" when it got
// that far) and NAME.READER.rc ("EXIT WALL_NS"). Word recall against
// pdftotext is internal/recall's, as in the converters' quality tables.
//
//	go run scripts/pdf-compare/table.go DIR
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mugai/mugai/internal/recall"
)

var readers = []string{"ours", "ledongthuc"}

// outcome is one reader's run on one file.
type outcome struct {
	status  string // ok, error, panic, crash, hang
	elapsed time.Duration
	text    string
	detail  string
}

// group totals one set of files for one reader.
type group struct {
	files, measured int
	found, total    int
	sumRecall       float64
	elapsed         time.Duration
	status          map[string]int
	both            int           // files every reader read without error
	bothElapsed     time.Duration // this reader's time on those
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run scripts/pdf-compare/table.go DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	pdfs, _ := filepath.Glob(filepath.Join(dir, "pdf", "*.pdf"))
	sort.Strings(pdfs)
	groups := map[string]map[string]*group{}
	var order, failures []string
	fmt.Printf("%-46s %6s | %7s %9s %-6s | %7s %9s %-6s\n", "file", "words", "ours", "time", "", "ledong.", "time", "")
	for _, p := range pdfs {
		name := strings.TrimSuffix(filepath.Base(p), ".pdf")
		set := setOf(name)
		if groups[set] == nil {
			groups[set] = map[string]*group{}
			order = append(order, set)
		}
		ref, _ := os.ReadFile(filepath.Join(dir, "out", name+".ref.txt"))
		row := fmt.Sprintf("%-46s %6d", trim(name, 46), total(string(ref)))
		outs := map[string]outcome{}
		allOK := true
		for _, r := range readers {
			outs[r] = read(filepath.Join(dir, "out", name+"."+r))
			allOK = allOK && outs[r].status == "ok"
		}
		for _, r := range readers {
			o := outs[r]
			g := groups[set][r]
			if g == nil {
				g = &group{status: map[string]int{}}
				groups[set][r] = g
			}
			g.files++
			g.status[o.status]++
			g.elapsed += o.elapsed
			if allOK {
				g.both++
				g.bothElapsed += o.elapsed
			}
			rec, found, tot := recall.Of(o.text, string(ref))
			shown := "-"
			if tot > 0 {
				g.found += found
				g.total += tot
				g.sumRecall += rec
				g.measured++
				shown = fmt.Sprintf("%.1f%%", 100*rec)
			}
			row += fmt.Sprintf(" | %7s %9s %-6s", shown, o.elapsed.Round(100*time.Microsecond), o.status)
			if o.status != "ok" {
				failures = append(failures, fmt.Sprintf("%-46s %-11s %-6s %s", trim(name, 46), r, o.status, trim(o.detail, 90)))
			}
		}
		fmt.Println(row)
	}
	fmt.Println()
	fmt.Printf("%-9s %-11s %5s %8s %8s %10s %16s  %s\n", "set", "reader", "files", "recall", "pooled", "time", "time, both ok", "outcomes")
	for _, set := range order {
		for _, r := range readers {
			g := groups[set][r]
			var st []string
			for _, s := range []string{"ok", "error", "panic", "crash", "hang"} {
				if g.status[s] > 0 {
					st = append(st, fmt.Sprintf("%s %d", s, g.status[s]))
				}
			}
			mean, pooled := "-", "-"
			if g.measured > 0 {
				mean = fmt.Sprintf("%.1f%%", 100*g.sumRecall/float64(g.measured))
				pooled = fmt.Sprintf("%.1f%%", 100*float64(g.found)/float64(g.total))
			}
			fmt.Printf("%-9s %-11s %5d %8s %8s %10s %16s  %s\n", set, r, g.files, mean, pooled, g.elapsed.Round(time.Millisecond),
				fmt.Sprintf("%s (%d)", g.bothElapsed.Round(100*time.Microsecond), g.both), strings.Join(st, ", "))
		}
	}
	fmt.Println("\nNot ok:")
	for _, f := range failures {
		fmt.Println(f)
	}
	fmt.Println("\nrecall: mean over files with words in pdftotext's text, and pooled over all their words;")
	fmt.Println("time: the extraction alone, in the child process (wall time of the process for a crash or hang);")
	fmt.Println("time, both ok: on the files (how many) that both readers read without an error;")
	fmt.Println("error: the reader returned an error; panic: recovered; crash: the process died (fatal error, signal); hang: killed at the time or CPU limit.")
}

// setOf names the set a sample belongs to, from the prefix the tests give
// its file name.
func setOf(name string) string {
	switch {
	case strings.HasPrefix(name, "TestHostile"):
		return "hostile"
	case strings.HasPrefix(name, "corpus--"):
		return "corpus"
	case strings.HasPrefix(name, "fixture--"):
		return "fixture"
	}
	return "generated"
}

func total(ref string) int {
	_, _, t := recall.Of("", ref)
	return t
}

// read gathers one reader's outcome from base.{txt,err,rc}.
func read(base string) outcome {
	var o outcome
	text, _ := os.ReadFile(base + ".txt")
	o.text = string(text)
	rcLine, _ := os.ReadFile(base + ".rc")
	var rc int
	var wall int64
	fmt.Sscan(string(rcLine), &rc, &wall)
	o.elapsed = time.Duration(wall)
	errFile, _ := os.Open(base + ".err")
	if errFile != nil {
		sc := bufio.NewScanner(errFile)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "elapsed_ns "); ok {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil {
					o.elapsed = time.Duration(n)
				}
			} else if o.detail == "" {
				o.detail = sc.Text()
			}
		}
		errFile.Close()
	}
	switch {
	case rc == 0:
		o.status = "ok"
	case rc == 1:
		o.status = "error"
	case rc == 3:
		o.status = "panic"
	case rc == 124 || rc == 137 || rc == 128+24: // timeout, SIGKILL, SIGXCPU
		o.status = "hang"
	default:
		o.status = "crash"
	}
	return o
}

func trim(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}
