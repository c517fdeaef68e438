package sockets

// Service is a well-known service that sends credentials or data in
// cleartext, and what to use instead.
type Service struct {
	Name        string `json:"name"`
	Proto       string `json:"proto"`
	Port        uint16 `json:"port"`
	Alternative string `json:"alternative"`
	// SecurePort is the port of the encrypted replacement, 0 when there
	// is none (disable the service, or secure it on the same port).
	SecurePort uint16 `json:"secure_port,omitempty"`
}

// cleartextServices is the catalogue: protocols that carry passwords or
// data unencrypted on their standard port, with the encrypted replacement.
// It follows what the hardening guides ask an auditor to find (CIS
// benchmarks' inetd and special-purpose services, the STIGs' lists of
// clear-text protocols): the r-services, telnet, ftp and tftp, mail
// access, web, directory, file sharing and management protocols without
// their TLS or SSH form, and the small inetd services that should be off.
// Protocols that negotiate TLS on their own port (SMTP, databases) are not
// in it: their port alone does not say they are cleartext.
var cleartextServices = []Service{
	{"echo", "tcp", 7, "none: disable it", 0},
	{"echo", "udp", 7, "none: disable it", 0},
	{"discard", "tcp", 9, "none: disable it", 0},
	{"discard", "udp", 9, "none: disable it", 0},
	{"daytime", "tcp", 13, "none: disable it (NTP for time)", 0},
	{"daytime", "udp", 13, "none: disable it (NTP for time)", 0},
	{"chargen", "tcp", 19, "none: disable it", 0},
	{"chargen", "udp", 19, "none: disable it", 0},
	{"ftp", "tcp", 21, "ftps on 990 or sftp (ssh 22)", 990},
	{"telnet", "tcp", 23, "ssh on 22 (or telnets on 992)", 22},
	{"time", "tcp", 37, "none: disable it (NTP for time)", 0},
	{"time", "udp", 37, "none: disable it (NTP for time)", 0},
	{"tftp", "udp", 69, "sftp (ssh 22)", 22},
	{"finger", "tcp", 79, "none: disable it", 0},
	{"http", "tcp", 80, "https on 443", 443},
	{"pop3", "tcp", 110, "pop3s on 995", 995},
	{"nntp", "tcp", 119, "nntps on 563", 563},
	{"imap", "tcp", 143, "imaps on 993", 993},
	{"snmp", "udp", 161, "SNMPv3 with authPriv", 0},
	{"snmptrap", "udp", 162, "SNMPv3 traps with authPriv", 0},
	{"ldap", "tcp", 389, "ldaps on 636", 636},
	{"rexec", "tcp", 512, "ssh on 22", 22},
	{"biff", "udp", 512, "none: disable it", 0},
	{"rlogin", "tcp", 513, "ssh on 22", 22},
	{"rwho", "udp", 513, "none: disable it", 0},
	{"rsh", "tcp", 514, "ssh on 22", 22},
	{"syslog", "udp", 514, "syslog over TLS on 6514", 6514},
	{"printer", "tcp", 515, "ipps (IPP over TLS) on 631", 631},
	{"talk", "udp", 517, "none: disable it", 0},
	{"ntalk", "udp", 518, "none: disable it", 0},
	{"rsync", "tcp", 873, "rsync over ssh (22)", 22},
	{"nfs", "tcp", 2049, "NFS with sec=krb5p, or over a VPN", 0},
	{"nfs", "udp", 2049, "NFS with sec=krb5p, or over a VPN", 0},
	{"sip", "tcp", 5060, "sips on 5061", 5061},
	{"sip", "udp", 5060, "sips on 5061", 5061},
	{"vnc", "tcp", 5900, "VNC tunnelled over ssh (22)", 22},
	{"x11", "tcp", 6000, "X11 forwarded over ssh (22)", 22},
	{"irc", "tcp", 6667, "irc over TLS on 6697", 6697},
	{"http-alt", "tcp", 8080, "https on 8443", 8443},
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
