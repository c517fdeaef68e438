package trace

import (
	"context"
	"fmt"
	"time"

	"netdx/icmpmsg"
	"netdx/probe"
)

// open: probe's ICMP socket, raw or datagram, sends the echo requests and
// reads every answer.
func (icmpProbes) open(ctx context.Context, s *sockets) ([]int, error) {
	c, err := s.listenICMP(ctx)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	s.icmp = c
	return nil, nil
}

func (icmpProbes) send(s *sockets, a *attempt, f flowID) (time.Time, error) {
	a.stamp = time.Now().UnixNano()
	p := icmpmsg.Payload{Token: s.m.token, SentNS: a.stamp}
	b := echoRequest(s.v6, a.size, s.src, s.cfg.target, s.m.icmpID, a.token, f.sum, p)
	at, err := s.icmp.WriteTo(b, s.cfg.dst(), probe.WriteOptions{TTL: a.ttl, ProbeMTU: s.cfg.MTU})
	if err != nil {
		return at, fmt.Errorf("trace: %w", err)
	}
	return at, nil
}
