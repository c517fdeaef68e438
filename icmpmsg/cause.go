package icmpmsg

// Cause is why a message that was for a run (its echo id, or its token)
// does not count: the stable names of invalid_by_cause in the engines'
// JSON. Match gives the first five; the engines add the others, which
// need their state (which probes are out, from which addresses).
type Cause uint8

// Causes.
const (
	CauseNone   Cause = iota
	BadChecksum       // an echo reply whose ICMP checksum is wrong
	WrongSize         // an echo reply whose payload is not as long as the one sent
	WrongToken        // an echo reply that does not carry the run's token
	WrongData         // an echo reply whose fill pattern was altered
	// WrongSource: a valid echo reply, not from the address the probe was
	// sent to.
	WrongSource
	// UnknownProbe: a valid reply or error naming no probe of the run
	// (sequence and send time of no probe sent).
	UnknownProbe
	// ContradictedError: an unverified error (a quote too short to hold
	// the token) for a probe that a valid answer then proved delivered.
	ContradictedError
	// RepeatedError: an unverified error for a probe that already had
	// one; a router sends one error per probe.
	RepeatedError
	// NotHopAnswer: an error about a probe that is no answer from a hop,
	// such as a fragment reassembly time exceeded (Time Exceeded code 1)
	// or a source quench.
	NotHopAnswer
	numCauses
)

var causeNames = [numCauses]string{"none", "bad_checksum", "wrong_size", "wrong_token", "wrong_data",
	"wrong_source", "unknown_probe", "contradicted_error", "repeated_error", "not_hop_answer"}

func (c Cause) String() string { return nameOf(causeNames[:], int(c)) }

// Counts counts rejected messages by cause. It has a fixed size: the
// network cannot grow it. The zero value counts nothing.
type Counts [numCauses]int

// Add counts n messages rejected for c.
func (k *Counts) Add(c Cause, n int) { addTo(k[:], int(c), n) }

// Total is the number of messages counted.
func (k *Counts) Total() int {
	n := 0
	for _, v := range k {
		n += v
	}
	return n
}

// Map returns the causes counted, by name; nil when none was.
func (k *Counts) Map() map[string]int {
	return byName(k[:], func(i int) string { return Cause(i).String() })
}
