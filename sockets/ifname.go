package sockets

import "golang.org/x/sys/unix"

// ifNames resolves interface indexes to names one at a time
// (SIOCGIFNAME), in the namespace its socket was opened in. Listing every
// interface (net.Interfaces) costs a whole link dump, which on a host with
// thousands of interfaces is most of the work; sockets name only a few.
type ifNames struct {
	fd int
	m  map[int]string
}

// openIfNames must run in the namespace whose names are wanted; the
// resolver may then be used from anywhere until closed.
func openIfNames() *ifNames {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		fd = -1
	}
	return &ifNames{fd: fd, m: map[int]string{0: ""}}
}

func (n *ifNames) name(index int) string {
	if n == nil {
		return ""
	}
	if s, ok := n.m[index]; ok {
		return s
	}
	s := ""
	if n.fd >= 0 && index > 0 {
		if ifr, err := unix.NewIfreq(""); err == nil {
			ifr.SetUint32(uint32(index))
			if unix.IoctlIfreq(n.fd, unix.SIOCGIFNAME, ifr) == nil {
				s = ifr.Name()
			}
		}
	}
	n.m[index] = s
	return s
}

func (n *ifNames) Close() {
	if n.fd >= 0 {
		unix.Close(n.fd)
		n.fd = -1
	}
}
