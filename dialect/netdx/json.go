package netdx

import (
	"encoding/json"
	"fmt"
	"io"

	"netdx/diagnose"
	"netdx/dialect/mtr"
	"netdx/probe"
	"netdx/trace"
)

// PingJSON is netdx ping's JSON document.
type PingJSON struct {
	Status      diagnose.Status `json:"status"`
	Targets     []probe.Result  `json:"targets"`
	Interrupted bool            `json:"interrupted,omitempty"` // Ctrl-C: statistics so far
}

// TraceReportJSON is netdx trace --report's JSON document: netdx's
// report, and mtr's --json document under "report".
type TraceReportJSON struct {
	trace.Report
	MTR mtr.JSON `json:"report"`
}

// WriteJSON writes v as a command's one JSON document, indented.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("netdx: encode json: %w", err)
	}
	return nil
}

// WriteCompactJSON writes v as a command's one JSON document without
// indentation: on hosts with thousands of interfaces or sockets, indenting
// costs more than reading the kernel's tables.
func WriteCompactJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("netdx: encode json: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
