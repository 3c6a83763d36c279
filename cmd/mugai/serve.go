package main

// serve implements "mugai serve". The relay lands with its own issue; until
// then the command says so instead of pretending to run.
func (e *env) serve(args []string) int {
	return e.fail(exitError, "serve: not implemented yet")
}
