// Package netdx writes netdx's own output, beside the other tools'
// dialects: the text of "netdx link" (ip -s link's blocks), "netdx
// sockets" (ss's columns) and "netdx diagnose" (a status line, a line per
// finding, the checks), with diagnose's findings marked "!" next to what
// they are about; and the JSON documents of every command, which
// docs/json.md describes (the documents' types are the engines' and
// diagnose's, but for ping's and trace --report's, which are here).
//
// Everything here is pure: reports in, text or a document out; safe for
// concurrent use.
package netdx
