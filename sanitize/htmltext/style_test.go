package htmltext

import "testing"

func TestParseStyle(t *testing.T) {
	cases := []struct {
		style  string
		sticky bool
		vis    uint8 // visibility class, vOther when unset
		font   uint8 // font-size class, vOther when unset
		shown  bool  // display set to something other than none
	}{
		{"", false, vOther, vOther, false},
		{"display:none", true, vOther, vOther, false},
		{"Display:None", true, vOther, vOther, false},
		{"display:inline-block", false, vOther, vOther, true},
		{"display:none;;;", true, vOther, vOther, false},
		{"display :none ! important ; display:block", true, vOther, vOther, false},
		{"display:block!important;display:none!important", true, vOther, vOther, false},
		{"/* display:none */ color:red", false, vOther, vOther, false},
		{"display:/*x*/none/*y*/", true, vOther, vOther, false},
		{"display:none /* unterminated", true, vOther, vOther, false},
		{"content:'a;display:none'", false, vOther, vOther, false},
		{"visibility:hidden", false, vHidden, vOther, false},
		{"visibility:visible", false, vVisible, vOther, false},
		{"visibility:inherit", false, vOther, vOther, false},
		{"font-size:0", false, vOther, vZero, false},
		{"font-size:+0.0PX", false, vOther, vZero, false},
		{"font-size:small", false, vOther, vAbs, false},
		{"font-size:1.2em", false, vOther, vRel, false},
		{"font-size:calc(1em + 2px)", false, vOther, vAbs, false},
		{"font-size:inherit", false, vOther, vOther, false},
		{"font:italic bold 0/0 serif", false, vOther, vZero, false},
		{"font:12px/1.5 serif", false, vOther, vAbs, false},
		{"opacity:.05", true, vOther, vOther, false},
		{"opacity:0.1", false, vOther, vOther, false},
		{"overflow:hidden;max-height:0px", true, vOther, vOther, false},
		{"overflow:hidden;overflow-y:auto;height:0", true, vOther, vOther, false},
		{"overflow:hidden;overflow:visible;height:0", false, vOther, vOther, false},
		{"left:-9999px;position:fixed", true, vOther, vOther, false},
		{"left:-9999px", false, vOther, vOther, false},
		{"position:absolute;left:-100em", true, vOther, vOther, false},
		{"position:absolute;clip:rect(1px,1px,1px,1px)", false, vOther, vOther, false},
		{"clip-path:inset(100%)", true, vOther, vOther, false},
		{"clip-path:inset(10%)", false, vOther, vOther, false},
		{"text-indent:-999em", true, vOther, vOther, false},
		{"text-indent:2em", false, vOther, vOther, false},
	}
	for _, tc := range cases {
		var st style
		parseStyle([]byte(tc.style), &st, nil)
		if got := st.sticky(); got != tc.sticky {
			t.Errorf("%q: sticky = %v, want %v", tc.style, got, tc.sticky)
		}
		if st.visibility.v != tc.vis {
			t.Errorf("%q: visibility = %d, want %d", tc.style, st.visibility.v, tc.vis)
		}
		if st.fontSize.v != tc.font {
			t.Errorf("%q: font-size = %d, want %d", tc.style, st.fontSize.v, tc.font)
		}
		if got := st.displayShown(); got != tc.shown {
			t.Errorf("%q: displayShown = %v, want %v", tc.style, got, tc.shown)
		}
	}
}

func TestTransparentColor(t *testing.T) {
	for s, want := range map[string]bool{
		"transparent":           true,
		"rgba(255,255,255,0)":   true,
		"rgba(0, 0, 0, 0.0)":    true,
		"rgb(0 0 0 / 0%)":       true,
		"hsla(0,0%,100%,0)":     true,
		"#ffffff00":             true,
		"#fff0":                 true,
		"#fff":                  false,
		"#ffffff":               false,
		"rgba(255,255,255,0.5)": false,
		"rgb(255,255,255)":      false,
		"red":                   false,
		"rgba(0,0,0,0":          false,
	} {
		if got := transparentColor([]byte(s)); got != want {
			t.Errorf("transparentColor(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in   string
		n    float64
		unit string
		ok   bool
	}{
		{"0", 0, "", true},
		{"-9999px", -9999, "px", true},
		{".5em", 0.5, "em", true},
		{"+1.25%", 1.25, "%", true},
		{"12vmax", 12, "?", true},
		{"px", 0, "", false},
		{"1px2", 0, "", false},
		{"", 0, "", false},
	}
	for _, tc := range cases {
		n, unit, ok := parseNumber([]byte(tc.in))
		if n != tc.n || unit != tc.unit || ok != tc.ok {
			t.Errorf("parseNumber(%q) = %v %q %v, want %v %q %v", tc.in, n, unit, ok, tc.n, tc.unit, tc.ok)
		}
	}
}
