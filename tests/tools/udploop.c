/*
 * udploop.c -- start a UDP reply loop with one forged datagram and count
 * what it costs (the hostile suite's loop cases, README "Defense").
 *
 *   udploop SRC SPORT DST DPORT SECS
 *   udploop ask SRC DST PORT TEXT
 *
 * Sends one datagram ("loop\n") from SRC:SPORT to DST:DPORT through a raw
 * socket (IP_HDRINCL: the source is forged, which needs CAP_NET_RAW), then
 * for SECS seconds counts the UDP datagrams that pass between the two
 * ports, in either direction, and prints that count (the injected one
 * included).  Two services of pinetd answering each other make the count
 * grow without bound; a guarded daemon answers once or not at all.
 *
 * ask: send TEXT from a UDP socket bound to SRC and connect()ed to
 * DST:PORT (IPv4 or IPv6), print the reply, or TIMEOUT after 1 s.  A
 * connected socket only takes datagrams from DST:PORT, as `nc -u` and
 * resolvers do: a reply from another address of the server is lost.
 *
 * The loop is IPv4 loopback only (127.0.0.0/8, and the addresses on lo in a test's
 * own network namespace): every address is checked against 127/8 or a
 * host address of lo, so the tool cannot forge traffic toward the world.
 * Exit status 0, 1 on a usage or system error, 77 without CAP_NET_RAW.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Is a an address of the loopback interface? */
static int on_lo(struct in_addr a)
{
	struct ifaddrs *ifs, *i;
	int found = (ntohl(a.s_addr) >> 24) == 127;

	if (found || getifaddrs(&ifs) < 0)
		return found;
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
		    (i->ifa_flags & IFF_LOOPBACK) &&
		    ((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr.s_addr == a.s_addr)
			found = 1;
	freeifaddrs(ifs);
	return found;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint16_t ip_sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

static int ask(char **argv)
{
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	struct sockaddr_in *s4 = (void *)&src, *d4 = (void *)&dst;
	struct sockaddr_in6 *s6 = (void *)&src, *d6 = (void *)&dst;
	socklen_t len;
	int fam = strchr(argv[2], ':') ? AF_INET6 : AF_INET, fd;
	unsigned port = (unsigned)atoi(argv[4]);
	char buf[65536];

	if (fam == AF_INET) {
		s4->sin_family = d4->sin_family = AF_INET;
		d4->sin_port = htons((uint16_t)port);
		len = sizeof *s4;
		if (inet_pton(AF_INET, argv[2], &s4->sin_addr) != 1 ||
		    inet_pton(AF_INET, argv[3], &d4->sin_addr) != 1)
			goto usage;
	} else {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		d6->sin6_port = htons((uint16_t)port);
		len = sizeof *s6;
		if (inet_pton(AF_INET6, argv[2], &s6->sin6_addr) != 1 ||
		    inet_pton(AF_INET6, argv[3], &d6->sin6_addr) != 1)
			goto usage;
	}
	if ((fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&src, len) < 0 ||
	    connect(fd, (struct sockaddr *)&dst, len) < 0 ||
	    send(fd, argv[5], strlen(argv[5]), 0) < 0) {
		perror("udploop: ask");
		return 1;
	}
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = poll(&p, 1, 1000) == 1 ? recv(fd, buf, sizeof buf, 0) : -1;
	if (n < 0)
		printf("TIMEOUT\n");
	else
		printf("%.*s\n", (int)n, buf);
	return 0;
usage:
	fprintf(stderr, "usage: udploop ask SRC DST PORT TEXT\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct in_addr src, dst;
	unsigned sport, dport;
	double secs;
	unsigned char pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + 5];
	struct iphdr *ip = (struct iphdr *)(void *)pkt;
	struct udphdr *udp = (struct udphdr *)(void *)(pkt + sizeof *ip);
	int one = 1, tx, rx;
	unsigned long count = 0;

	if (argc == 6 && strcmp(argv[1], "ask") == 0)
		return ask(argv);
	if (argc != 6 || inet_pton(AF_INET, argv[1], &src) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst) != 1 ||
	    (sport = (unsigned)atoi(argv[2])) - 1 > 65534 ||
	    (dport = (unsigned)atoi(argv[4])) - 1 > 65534 ||
	    (secs = atof(argv[5])) <= 0) {
		fprintf(stderr, "usage: udploop SRC SPORT DST DPORT SECS\n");
		return 1;
	}
	if (!on_lo(src) || !on_lo(dst)) {
		fprintf(stderr, "udploop: loopback addresses only\n");
		return 1;
	}
	/* The counting socket first: it sees every UDP datagram received. */
	rx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_UDP);
	tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (rx < 0 || tx < 0) {
		perror("udploop: raw socket");
		return errno == EPERM ? 77 : 1;
	}
	if (setsockopt(tx, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0) {
		perror("udploop: IP_HDRINCL");
		return 1;
	}
	memset(pkt, 0, sizeof pkt);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof pkt);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = ip_sum(ip, sizeof *ip);
	udp->source = htons((uint16_t)sport);
	udp->dest = htons((uint16_t)dport);
	udp->len = htons(sizeof *udp + 5);
	udp->check = 0; /* none: allowed over IPv4 */
	memcpy(pkt + sizeof *ip + sizeof *udp, "loop\n", 5);

	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };
	if (sendto(tx, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		perror("udploop: sendto");
		return 1;
	}
	double end = now_s() + secs;
	for (double left; (left = end - now_s()) > 0;) {
		struct pollfd p = { .fd = rx, .events = POLLIN };
		unsigned char buf[65536];
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(rx, buf, sizeof buf, MSG_DONTWAIT);
		if (n < (ssize_t)(sizeof *ip + sizeof *udp))
			continue;
		const struct iphdr *h = (const void *)buf;
		const struct udphdr *u = (const void *)(buf + h->ihl * 4);
		if ((size_t)n < h->ihl * 4u + sizeof *u)
			continue;
		unsigned s = ntohs(u->source), d = ntohs(u->dest);
		if ((s == sport && d == dport) || (s == dport && d == sport))
			count++;
	}
	printf("%lu\n", count);
	return 0;
}
