// Package fuzz holds the fuzz targets over the sanitizer, its parsers, the
// configuration and the SMTP session. Run one with
// "go test ./fuzz -run XXX -fuzz FuzzName -fuzztime 30s".
package fuzz
