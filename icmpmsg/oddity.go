package icmpmsg

// Oddity is a departure from the RFCs that icmpmsg reads leniently, as
// Wireshark and scapy do, rather than refusing the message: the answer
// counts, and the oddity is counted apart (engines' JSON "oddities", by
// these names).
type Oddity uint8

// Oddities icmpmsg reads leniently.
const (
	// UnalignedName: an RFC 5837 interface name sub-object whose length
	// is not a multiple of 4 (Wireshark issue 6632's capture: 63 for a
	// 64-byte sub-object).
	UnalignedName Oddity = iota
	numOddities
)

var oddityNames = [numOddities]string{"unaligned_interface_name"}

func (o Oddity) String() string { return nameOf(oddityNames[:], int(o)) }

// OddityCounts counts oddities by kind. It has a fixed size: the network
// cannot grow it. The zero value counts nothing.
type OddityCounts [numOddities]int

// Add counts n of oddity o.
func (k *OddityCounts) Add(o Oddity, n int) { addTo(k[:], int(o), n) }

// AddCounts adds every count of c.
func (k *OddityCounts) AddCounts(c OddityCounts) {
	for i, n := range c {
		k[i] += n
	}
}

// Map returns the oddities counted, by name; nil when none was.
func (k *OddityCounts) Map() map[string]int {
	return byName(k[:], func(i int) string { return Oddity(i).String() })
}

// byName is counts by name (name(i) for counts[i]), those above zero; nil
// when none is.
func byName(counts []int, name func(int) string) map[string]int {
	var m map[string]int
	for i, n := range counts {
		if n == 0 {
			continue
		}
		if m == nil {
			m = map[string]int{}
		}
		m[name(i)] = n
	}
	return m
}

// nameOf is names[i], or "unknown" past them: the String of Cause and
// Oddity.
func nameOf(names []string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return "unknown"
}

// addTo adds n to counts[i], if there is such a count: the Add of Counts
// and OddityCounts.
func addTo(counts []int, i, n int) {
	if i >= 0 && i < len(counts) {
		counts[i] += n
	}
}
