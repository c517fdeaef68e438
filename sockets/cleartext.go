package sockets

// Service is a well-known service that sends credentials or data in
// cleartext, and what to use instead.
type Service struct {
	Name        string `json:"name"`
	Proto       string `json:"proto"`
	Port        uint16 `json:"port"`
	Alternative string `json:"alternative"`
}

// cleartextServices is the catalogue: protocols that carry passwords or
// data unencrypted on their standard port, with the encrypted replacement.
var cleartextServices = []Service{
	{"ftp", "tcp", 21, "ftps on 990 or sftp (ssh 22)"},
	{"telnet", "tcp", 23, "ssh on 22 (or telnets on 992)"},
	{"tftp", "udp", 69, "sftp (ssh 22)"},
	{"finger", "tcp", 79, "none: disable it"},
	{"http", "tcp", 80, "https on 443"},
	{"pop3", "tcp", 110, "pop3s on 995"},
	{"nntp", "tcp", 119, "nntps on 563"},
	{"imap", "tcp", 143, "imaps on 993"},
	{"snmp", "udp", 161, "SNMPv3 with authPriv"},
	{"ldap", "tcp", 389, "ldaps on 636"},
	{"rexec", "tcp", 512, "ssh on 22"},
	{"rlogin", "tcp", 513, "ssh on 22"},
	{"rsh", "tcp", 514, "ssh on 22"},
	{"irc", "tcp", 6667, "irc over TLS on 6697"},
}

// Cleartext returns the cleartext service on proto/port, if the catalogue
// has one.
func Cleartext(proto string, port uint16) (Service, bool) {
	for _, s := range cleartextServices {
		if s.Port == port && s.Proto == proto {
			return s, true
		}
	}
	return Service{}, false
}

// Catalogue returns a copy of the cleartext-service catalogue.
func Catalogue() []Service { return append([]Service(nil), cleartextServices...) }
