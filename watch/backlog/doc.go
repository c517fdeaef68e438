// Package backlog is the queue in front of a sink that writes somewhere
// slow or absent, a disk or a syslog receiver: a bounded backlog of
// messages with a final action for when it is full, and one worker
// goroutine that delivers them in order, waits a growing backoff when
// delivery fails, and on Close delivers what it can within a limit.
//
// The sink says how to deliver with a Sender. The worker calls the Sender
// from its own goroutine only, so the Sender needs no lock for what it owns
// (a file, a connection); Do runs more of the sink's work there. A Sender
// that keeps what it sent until the receiver acknowledges it (TCP) hands
// that back with Unsent when its connection breaks, and the worker sends
// it again first: delivery is at least once.
//
// When the backlog is full the final action applies, as an audit daemon's:
// PurgeOldest drops the oldest waiting message (keep the latest),
// IgnoreNew drops the new one, Stop refuses this and every later message.
// The queue logs the first drop of an episode, then at most every ten
// seconds, and when the backlog drains again; the sink may have a message
// sent then that says how many were dropped (Delivery.Notice).
//
// Log lines speak of records: both sinks carry netdx watch's records.
//
// Push, PushFront, Do, Stats and Close are safe for concurrent use.
package backlog
