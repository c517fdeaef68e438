// Command sockets_load holds many TCP connections open for the sockets
// benchmark: it listens on 127.0.0.1 and dials itself -n times, so the
// namespace it runs in holds 2n established sockets and one listener, all
// owned by this process. It prints "ready" when they are all up and then
// waits to be killed. Run it inside a lab namespace (bench/sockets.sh does).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
)

func main() {
	n := flag.Int("n", 9000, "connections to open (each is two sockets)")
	flag.Parse()
	lim := syscall.Rlimit{Cur: uint64(2**n + 1000), Max: uint64(2**n + 1000)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Fprintln(os.Stderr, "sockets_load: raise the open file limit:", err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sockets_load:", err)
		os.Exit(1)
	}
	accepted := make(chan net.Conn, 1024)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var keep []net.Conn
	for i := 0; i < *n; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			fmt.Fprintf(os.Stderr, "sockets_load: connection %d: %v\n", i, err)
			os.Exit(1)
		}
		keep = append(keep, c, <-accepted)
	}
	fmt.Println("ready", len(keep))
	select {}
}
