// Package iputils writes a ping of one target as iputils ping does, line
// for line, so that scripts (and jc) read netdx's text as they read
// ping's: the header, a line per reply or error, the statistics with
// iputils' last line. With -v netdx adds its own lines after iputils'
// (Percentiles, Extras; fping's -v uses them too).
//
// A View writes to the writers it is given and keeps no state: safe for
// use from the engine's event callback.
package iputils
