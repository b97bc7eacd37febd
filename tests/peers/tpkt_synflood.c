// SPDX-License-Identifier: GPL-2.0
/*
 * tpkt_synflood: send TCP SYNs from many distinct IPv4 (address, port)
 * pairs, for the flow-table tests and benchmarks of nf_tpkt.
 *
 * SYN i comes from address SRC + (i % NADDR) and port SPORT + i / NADDR,
 * so every SYN opens a different flow and a run is reproducible.  A raw
 * socket with IP_HDRINCL is used (needs CAP_NET_RAW); the kernel fills in
 * the IP checksum, the TCP checksum is computed here.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

struct syn_pkt {
	struct iphdr ip;
	struct tcphdr tcp;
} __attribute__((packed));

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tpkt_synflood --dst ADDR:PORT --count N [options]\n"
"\n"
"Send N TCP SYNs, each from a different (source address, source port).\n"
"  --dst ADDR:PORT     IPv4 destination\n"
"  --count N           SYNs to send\n"
"  --src ADDR          first source address (default 10.11.0.10)\n"
"  --naddr N           source addresses used, from --src on (default 200)\n"
"  --sport P           first source port (default 1024)\n"
"  --rate PPS          packets per second, 0 = as fast as possible (default)\n"
"  -h, --help          this text\n"
"\n"
"Prints: SYNFLOOD sent=N errors=N elapsed_s=S pps=P\n");
}

static int parse_u32(const char *s, unsigned long max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max || *s == '-')
		return -1;
	*out = v;
	return 0;
}

/* Internet checksum over @len bytes, continuing from @sum. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static void build(struct syn_pkt *p, uint32_t saddr, uint16_t sport,
		  uint32_t daddr, uint16_t dport, uint32_t seq)
{
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph;
	uint32_t sum;

	memset(p, 0, sizeof(*p));
	p->ip.version = 4;
	p->ip.ihl = 5;
	p->ip.ttl = 64;
	p->ip.protocol = IPPROTO_TCP;
	p->ip.tot_len = htons(sizeof(*p));
	p->ip.frag_off = htons(IP_DF);
	p->ip.saddr = saddr;
	p->ip.daddr = daddr;
	p->tcp.source = htons(sport);
	p->tcp.dest = htons(dport);
	p->tcp.seq = htonl(seq);
	p->tcp.doff = 5;
	p->tcp.syn = 1;
	p->tcp.window = htons(64240);

	ph.saddr = saddr;
	ph.daddr = daddr;
	ph.zero = 0;
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof(p->tcp));
	sum = csum_add(0, &ph, sizeof(ph));
	sum = csum_add(sum, &p->tcp, sizeof(p->tcp));
	p->tcp.check = csum_fold(sum);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'c' },
		{ "src", required_argument, NULL, 's' },
		{ "naddr", required_argument, NULL, 'a' },
		{ "sport", required_argument, NULL, 'p' },
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct syn_pkt pkt[BATCH];
	struct iovec iov[BATCH];
	struct mmsghdr msg[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct in_addr src = { .s_addr = htonl(0x0a0b000a) };
	uint32_t count = 0, naddr = 200, sport = 1024, rate = 0, dport = 0;
	uint64_t sent = 0, errors = 0;
	int opt, fd, one = 1, have_dst = 0, have_count = 0;
	double start, elapsed;
	char *colon;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			colon = strrchr(optarg, ':');
			if (!colon)
				goto bad;
			*colon = '\0';
			if (inet_pton(AF_INET, optarg, &dst.sin_addr) != 1 ||
			    parse_u32(colon + 1, 65535, &dport) || !dport)
				goto bad;
			have_dst = 1;
			break;
		case 'c':
			if (parse_u32(optarg, UINT32_MAX, &count))
				goto bad;
			have_count = 1;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &src) != 1)
				goto bad;
			break;
		case 'a':
			if (parse_u32(optarg, 1 << 24, &naddr) || !naddr)
				goto bad;
			break;
		case 'p':
			if (parse_u32(optarg, 65535, &sport) || !sport)
				goto bad;
			break;
		case 'r':
			if (parse_u32(optarg, UINT32_MAX, &rate))
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!have_dst || !have_count || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sport + ((uint64_t)count + naddr - 1) / naddr - 1 > 65535) {
		fprintf(stderr, "tpkt_synflood: %u SYNs from %u addresses run out of ports from %u\n",
			count, naddr, sport);
		return 2;
	}

	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0) {
		perror("tpkt_synflood: raw socket (needs CAP_NET_RAW)");
		return 1;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("tpkt_synflood: IP_HDRINCL");
		return 1;
	}

	memset(msg, 0, sizeof(msg));
	start = now_s();
	while (sent < count) {
		unsigned int n = count - sent < BATCH ? count - sent : BATCH, i;
		int r;

		for (i = 0; i < n; i++) {
			uint64_t k = sent + i;

			build(&pkt[i], htonl(ntohl(src.s_addr) + k % naddr),
			      sport + k / naddr, dst.sin_addr.s_addr, dport,
			      (uint32_t)(k * 2654435761u));
			iov[i].iov_base = &pkt[i];
			iov[i].iov_len = sizeof(pkt[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			msg[i].msg_hdr.msg_name = &dst;
			msg[i].msg_hdr.msg_namelen = sizeof(dst);
		}
		r = sendmmsg(fd, msg, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("tpkt_synflood: sendmmsg");
				return 1;
			}
			/* a full queue: this batch is lost, count it and go on */
			errors += n;
			sent += n;
			continue;
		}
		sent += r;
		if (rate) {
			double due = start + (double)sent / rate, t = now_s();

			if (due > t)
				usleep((useconds_t)((due - t) * 1e6));
		}
	}
	elapsed = now_s() - start;
	printf("SYNFLOOD sent=%llu errors=%llu elapsed_s=%.3f pps=%.0f\n",
	       (unsigned long long)sent, (unsigned long long)errors, elapsed,
	       elapsed > 0 ? sent / elapsed : 0);
	close(fd);
	return 0;
bad:
	for (fd = 0; opts[fd].name && opts[fd].val != opt; fd++)
		;
	fprintf(stderr, "tpkt_synflood: bad value for --%s: %s\n",
		opts[fd].name ? opts[fd].name : "?", optarg);
	return 2;
}
