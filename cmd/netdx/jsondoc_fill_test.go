package main

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"time"
)

// fillMode says how fill makes a value: every field set (so that omitted
// fields appear), or bare (zero scalars; every slice, map and pointer
// holding one zero element, so that what is always there shows).
type fillMode int

const (
	filled fillMode = iota
	bare
)

var (
	timeType     = reflect.TypeFor[time.Time]()
	addrType     = reflect.TypeFor[netip.Addr]()
	addrPortType = reflect.TypeFor[netip.AddrPort]()
	rawJSONType  = reflect.TypeFor[json.RawMessage]()
)

// fill returns a T made as m says, by walking its type: a field added to a
// result type shows up in its JSON without anyone writing an example.
func fill[T any](m fillMode) T {
	var v T
	fillValue(reflect.ValueOf(&v).Elem(), m, 0)
	return v
}

func fillValue(v reflect.Value, m fillMode, depth int) {
	if depth > 10 {
		return
	}
	full := m == filled
	switch v.Type() {
	case timeType:
		if full {
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)))
		}
		return
	case addrType:
		if full {
			v.Set(reflect.ValueOf(netip.MustParseAddr("198.18.0.1")))
		}
		return
	case addrPortType:
		if full {
			v.Set(reflect.ValueOf(netip.MustParseAddrPort("198.18.0.1:23")))
		}
		return
	case rawJSONType:
		v.Set(reflect.ValueOf(json.RawMessage(`{}`)))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillValue(v.Field(i), m, depth+1)
			}
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fillValue(p.Elem(), m, depth+1)
		v.Set(p)
	case reflect.Slice:
		n := 1
		if full {
			n = 2 // some fields show only for more than one (a hop's addrs)
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fillValue(s.Index(i), m, depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			fillValue(v.Index(i), m, depth+1)
		}
	case reflect.Map:
		mp := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillValue(k, filled, depth+1)
		fillValue(e, m, depth+1)
		mp.SetMapIndex(k, e)
		v.Set(mp)
	case reflect.Interface:
		if full && v.NumMethod() == 0 {
			v.Set(reflect.ValueOf("x"))
		}
	case reflect.String:
		if full {
			v.SetString("x")
		}
	case reflect.Bool:
		v.SetBool(full)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if full {
			v.SetInt(2)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if full {
			v.SetUint(2)
		}
	case reflect.Float32, reflect.Float64:
		if full {
			v.SetFloat(2.5)
		}
	}
}
