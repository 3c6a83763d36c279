package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// view is what every page template gets: the page's data and the
// signed-in user (nil on the sign-in and recipient pages).
type view struct {
	Page string
	User *userView
	CSRF string
	// Lang is the page's language (the recipient page), "en" otherwise.
	Lang string
	Data any
}

type userView struct {
	Name string
	Role Role
}

// Can reports whether the user's role reaches r (for the templates).
func (u *userView) Can(r string) bool { return u != nil && u.Role.rank() >= Role(r).rank() }

var funcs = template.FuncMap{
	"when":  formatTime,
	"bytes": formatBytes,
	"join":  strings.Join,
	"query": func(v url.Values) string { return v.Encode() },
	"add":   func(a, b int) int { return a + b },
	// gaugeWidth is the filled width of the 860-pixel usage gauge.
	"gaugeWidth": func(pct float64) float64 { return min(max(pct, 0), 100) * 8.6 },
}

// formatTime writes a time in the server's zone, to the second.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// formatBytes writes a size with a binary unit.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page. It renders into a buffer first, so a template
// error becomes a 500, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page string, s *session, data any) {
	c.renderView(w, r, status, page, &view{Page: page, Lang: "en", Data: data}, s)
}

func (c *Console) renderView(w http.ResponseWriter, r *http.Request, status int, page string, v *view, s *session) {
	if s != nil {
		v.User = &userView{Name: s.user.Name, Role: Role(s.user.Role)}
		v.CSRF = s.CSRF
	}
	t := c.pages[page]
	var b bytes.Buffer
	if t == nil {
		c.log.Error("console: no template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		c.log.Error("console: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// fail answers with a page saying what went wrong (the message is
// escaped like everything else).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s, _ := c.currentSession(r)
	c.render(w, r, status, "error", s, struct {
		Status  int
		Message string
	}{status, msg})
}

// serverError logs err and answers 500 without its text.
func (c *Console) serverError(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("console: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	c.fail(w, r, http.StatusInternalServerError, "Something went wrong on the server; the log has the details.")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
