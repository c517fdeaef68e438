package icmpmsg

import "encoding/binary"

// The echo payload ping and trace send, after the 8-byte echo header:
//
//	[0:6]   the run's random token
//	[6:8]   the index word: ping's target index, trace's checksum adjustment
//	[8:16]  the send time, Unix nanoseconds, big endian
//	[16:]   fill: byte i of the payload is byte(i)
//
// A reply must give back all of it unchanged to count.
const (
	// TokenLen is the length of a run's token.
	TokenLen = 6
	// IndexAt is the offset of the index word in the payload.
	IndexAt = 6
	// MinPayload is the smallest payload that carries the token, index
	// word and send time.
	MinPayload = 16
)

// Token is a run's random payload marker: what tells its probes from
// everyone else's.
type Token [TokenLen]byte

// Payload is what an echo request carries for the run to check what comes
// back.
type Payload struct {
	Token  Token
	Index  uint16
	SentNS int64 // send time, Unix nanoseconds
}

// Put writes p and the fill into b, which must be at least MinPayload
// bytes long (it panics otherwise, like a slice out of range).
func (p Payload) Put(b []byte) {
	_ = b[MinPayload-1]
	copy(b, p.Token[:])
	binary.BigEndian.PutUint16(b[IndexAt:], p.Index)
	binary.BigEndian.PutUint64(b[8:], uint64(p.SentNS))
	for i := MinPayload; i < len(b); i++ {
		b[i] = byte(i)
	}
}
