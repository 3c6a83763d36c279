package flatten

import (
	"bytes"
	"path"
	"strings"
)

// Script media types ScriptType reports. Script files are the usual first
// stage of mail-borne malware: Windows runs .js, .vbs, .wsf, .hta, .bat
// and .cmd files with a double click (Windows Script Host, mshta, cmd),
// and a .reg, .url or .scf file changes the system or opens what it names.
const (
	ScriptJavaScript = "application/javascript"
	ScriptVBScript   = "text/vbscript"
	ScriptEncoded    = "application/x-script-encoded" // .jse/.vbe, "#@~^"
	ScriptWSF        = "application/x-wsf"
	ScriptHTA        = "application/hta"
	ScriptPowerShell = "application/x-powershell"
	ScriptBatch      = "application/x-bat"
	ScriptShell      = "text/x-shellscript" // "#!" scripts: sh, Python, Perl, ...
	ScriptRegistry   = "application/x-registry"
	ScriptShortcut   = "application/x-url-shortcut" // .url, .scf
)

// scriptExtensions maps file name extensions of script files to their type.
var scriptExtensions = map[string]string{
	".js": ScriptJavaScript, ".mjs": ScriptJavaScript, ".jse": ScriptEncoded,
	".vbs": ScriptVBScript, ".vb": ScriptVBScript, ".vbe": ScriptEncoded,
	".wsf": ScriptWSF, ".wsc": ScriptWSF, ".wsh": ScriptWSF, ".ws": ScriptWSF, ".sct": ScriptWSF,
	".hta": ScriptHTA,
	".ps1": ScriptPowerShell, ".psm1": ScriptPowerShell, ".psd1": ScriptPowerShell, ".ps1xml": ScriptPowerShell,
	".bat": ScriptBatch, ".cmd": ScriptBatch,
	".sh": ScriptShell, ".bash": ScriptShell, ".command": ScriptShell, ".py": ScriptShell, ".pyw": ScriptShell, ".pl": ScriptShell,
	".reg": ScriptRegistry,
	".url": ScriptShortcut, ".scf": ScriptShortcut,
}

// scriptSniffBytes is how much of a file ScriptType reads for content
// markers.
const scriptSniffBytes = 8192

// ScriptType reports whether a text file is a script, by its name's
// extension or by its content, and which kind ("" when it is not). The
// content is recognised by what only scripts start with or hold: a "#!"
// line, "@echo off", the Windows Script Host objects (WScript.,
// ActiveXObject, CreateObject), script encoding ("#@~^"), a Windows
// Script File or HTML application element, a registry file header, an
// Internet shortcut section, or two PowerShell download-and-run idioms.
// Prose that mentions one of them is not enough, except for the object
// names, which have no use outside a script.
func ScriptType(name string, data []byte) string {
	if t, ok := scriptExtensions[strings.ToLower(path.Ext(strings.TrimRight(name, ". ")))]; ok {
		return t
	}
	b := data[:min(len(data), scriptSniffBytes)]
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	low := bytes.ToLower(b)
	first := bytes.TrimSpace(low)
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = bytes.TrimSpace(first[:i])
	}
	switch {
	case bytes.HasPrefix(b, []byte("#!")):
		return ScriptShell
	case bytes.HasPrefix(b, []byte("#@~^")):
		return ScriptEncoded
	case bytes.HasPrefix(first, []byte("@echo off")), bytes.HasPrefix(first, []byte("@echo on")):
		return ScriptBatch
	case bytes.HasPrefix(first, []byte("windows registry editor version")), bytes.HasPrefix(first, []byte("regedit4")):
		return ScriptRegistry
	case bytes.HasPrefix(first, []byte("[internetshortcut]")), bytes.HasPrefix(first, []byte("[shell]")) && bytes.Contains(low, []byte("command=")):
		return ScriptShortcut
	case bytes.Contains(low, []byte("<hta:application")):
		return ScriptHTA
	case (bytes.Contains(low, []byte("<job")) || bytes.Contains(low, []byte("<package"))) && bytes.Contains(low, []byte("<script")):
		return ScriptWSF
	case containsAny(low, "new activexobject(", "wscript.shell", "wscript.createobject", "wscript.echo", "wscript.sleep", "wscript.quit", "wscript.arguments"):
		if bytes.Contains(low, []byte("function")) || bytes.Contains(low, []byte("var ")) || bytes.Contains(low, []byte("new activexobject(")) {
			return ScriptJavaScript
		}
		return ScriptVBScript
	case containsAny(low, "createobject(\"", "createobject (\"", "getobject(\"winmgmts"):
		return ScriptVBScript
	}
	if countAny(low, "invoke-expression", "iex(", "iex (", "new-object net.webclient", "new-object system.net.webclient",
		"downloadstring(", "downloadfile(", "frombase64string(", "-encodedcommand", "start-process", "set-executionpolicy",
		"invoke-webrequest", "-windowstyle hidden") >= 2 {
		return ScriptPowerShell
	}
	return ""
}

func containsAny(b []byte, words ...string) bool {
	for _, w := range words {
		if bytes.Contains(b, []byte(w)) {
			return true
		}
	}
	return false
}

// countAny counts how many of words occur in b.
func countAny(b []byte, words ...string) int {
	n := 0
	for _, w := range words {
		if bytes.Contains(b, []byte(w)) {
			n++
		}
	}
	return n
}
