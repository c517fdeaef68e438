package link

import "time"

// Stats are an interface's 64-bit counters (struct rtnl_link_stats64), the
// same numbers "ip -s -s link" prints.
type Stats struct {
	RxPackets          uint64 `json:"rx_packets"`
	TxPackets          uint64 `json:"tx_packets"`
	RxBytes            uint64 `json:"rx_bytes"`
	TxBytes            uint64 `json:"tx_bytes"`
	RxErrors           uint64 `json:"rx_errors"`
	TxErrors           uint64 `json:"tx_errors"`
	RxDropped          uint64 `json:"rx_dropped"`
	TxDropped          uint64 `json:"tx_dropped"`
	Multicast          uint64 `json:"multicast"`
	Collisions         uint64 `json:"collisions"`
	RxLengthErrors     uint64 `json:"rx_length_errors"`
	RxOverErrors       uint64 `json:"rx_over_errors"`
	RxCRCErrors        uint64 `json:"rx_crc_errors"`
	RxFrameErrors      uint64 `json:"rx_frame_errors"`
	RxFIFOErrors       uint64 `json:"rx_fifo_errors"`
	RxMissedErrors     uint64 `json:"rx_missed_errors"`
	TxAbortedErrors    uint64 `json:"tx_aborted_errors"`
	TxCarrierErrors    uint64 `json:"tx_carrier_errors"`
	TxFIFOErrors       uint64 `json:"tx_fifo_errors"`
	TxHeartbeatErrors  uint64 `json:"tx_heartbeat_errors"`
	TxWindowErrors     uint64 `json:"tx_window_errors"`
	RxCompressed       uint64 `json:"rx_compressed"`
	TxCompressed       uint64 `json:"tx_compressed"`
	RxNoHandler        uint64 `json:"rx_nohandler"`
	RxOtherhostDropped uint64 `json:"rx_otherhost_dropped"`
}

// fields lists the counters in struct order, for comparisons.
func (s Stats) fields() [25]uint64 {
	return [25]uint64{s.RxPackets, s.TxPackets, s.RxBytes, s.TxBytes, s.RxErrors, s.TxErrors,
		s.RxDropped, s.TxDropped, s.Multicast, s.Collisions, s.RxLengthErrors, s.RxOverErrors,
		s.RxCRCErrors, s.RxFrameErrors, s.RxFIFOErrors, s.RxMissedErrors, s.TxAbortedErrors,
		s.TxCarrierErrors, s.TxFIFOErrors, s.TxHeartbeatErrors, s.TxWindowErrors,
		s.RxCompressed, s.TxCompressed, s.RxNoHandler, s.RxOtherhostDropped}
}

// Rates are the changes of an interface's counters over an interval, per
// second, and its error and drop ratios per packet.
type Rates struct {
	IntervalMS  float64 `json:"interval_ms"`
	RxPPS       float64 `json:"rx_pps"`
	TxPPS       float64 `json:"tx_pps"`
	RxBPS       float64 `json:"rx_bytes_per_s"`
	TxBPS       float64 `json:"tx_bytes_per_s"`
	RxErrorsPS  float64 `json:"rx_errors_per_s"`
	TxErrorsPS  float64 `json:"tx_errors_per_s"`
	RxDroppedPS float64 `json:"rx_dropped_per_s"`
	TxDroppedPS float64 `json:"tx_dropped_per_s"`
	// Ratios: bad packets over all packets (good and bad) in the interval.
	RxErrorRatio float64 `json:"rx_error_ratio"`
	TxErrorRatio float64 `json:"tx_error_ratio"`
	RxDropRatio  float64 `json:"rx_drop_ratio"`
	TxDropRatio  float64 `json:"tx_drop_ratio"`
	// Delta holds the raw counter changes over the interval.
	Delta Stats `json:"delta"`
	// CarrierChanges is how often the carrier went up or down during the
	// interval (a link that goes down and comes back counts 2).
	CarrierChanges uint32 `json:"carrier_changes"`
	// Reset is true when a counter went backwards (driver reset, interface
	// re-created): the rates are then zero rather than huge.
	Reset bool `json:"reset"`
}

// ComputeRates returns the rates between two samples of the same interface
// taken dt apart.
func ComputeRates(prev, cur Stats, dt time.Duration) Rates {
	r := Rates{IntervalMS: float64(dt) / float64(time.Millisecond)}
	p, c := prev.fields(), cur.fields()
	var d [25]uint64
	for i := range c {
		if c[i] < p[i] {
			r.Reset = true
			return r
		}
		d[i] = c[i] - p[i]
	}
	if dt <= 0 {
		return r
	}
	r.Delta = Stats{RxPackets: d[0], TxPackets: d[1], RxBytes: d[2], TxBytes: d[3], RxErrors: d[4],
		TxErrors: d[5], RxDropped: d[6], TxDropped: d[7], Multicast: d[8], Collisions: d[9],
		RxLengthErrors: d[10], RxOverErrors: d[11], RxCRCErrors: d[12], RxFrameErrors: d[13],
		RxFIFOErrors: d[14], RxMissedErrors: d[15], TxAbortedErrors: d[16], TxCarrierErrors: d[17],
		TxFIFOErrors: d[18], TxHeartbeatErrors: d[19], TxWindowErrors: d[20], RxCompressed: d[21],
		TxCompressed: d[22], RxNoHandler: d[23], RxOtherhostDropped: d[24]}
	sec := dt.Seconds()
	per := func(n uint64) float64 { return float64(n) / sec }
	r.RxPPS, r.TxPPS = per(d[0]), per(d[1])
	r.RxBPS, r.TxBPS = per(d[2]), per(d[3])
	r.RxErrorsPS, r.TxErrorsPS = per(d[4]), per(d[5])
	r.RxDroppedPS, r.TxDroppedPS = per(d[6]), per(d[7])
	r.RxErrorRatio = ratio(d[4], d[0]+d[4])
	r.TxErrorRatio = ratio(d[5], d[1]+d[5])
	r.RxDropRatio = ratio(d[6], d[0]+d[6])
	r.TxDropRatio = ratio(d[7], d[1]+d[7])
	return r
}

func ratio(n, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// carrierDelta returns the carrier changes between two samples, and the
// reset mark: a count going backwards (interface re-created) is a reset.
func carrierDelta(prev, cur uint32, reset bool) (uint32, bool) {
	if reset || cur < prev {
		return 0, true
	}
	return cur - prev, false
}
