package nagios

// State is a plugin's state, which is also its exit code.
type State int

// States, in the plugins' order of severity.
const (
	OK State = iota
	Warning
	Critical
	Unknown
)

// String is the state as the plugins print it ("WARNING").
func (s State) String() string {
	if s < OK || s > Unknown {
		return "UNKNOWN"
	}
	return [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[s]
}

// InputError is bad input to a plugin: Line is what the plugin prints
// (the line Nagios shows), Err says why in netdx's words, naming the flag.
type InputError struct {
	Line string
	Err  error
}

// Error is netdx's words (Err).
func (e *InputError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *InputError) Unwrap() error { return e.Err }
