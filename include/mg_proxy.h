/* mg_proxy.h: trusted reverse proxies: address lists (MOGNAD_TRUSTED_PROXIES)
 * and the client address a trusted proxy forwards in X-Forwarded-For. Pure:
 * no I/O, so tests/unit/test_config_proxy.c checks it directly. */
#ifndef MG_PROXY_H
#define MG_PROXY_H

#include <stdbool.h>
#include <stddef.h>

struct sockaddr;

/* At most this many entries in MOGNAD_TRUSTED_PROXIES. */
#define MG_PROXY_MAX 32

/* One trusted address or network: `family` AF_INET or AF_INET6, `addr` in
 * network order (4 or 16 bytes used), `prefix` bits that must match. */
struct mg_proxy_net {
    int family;
    unsigned char addr[16];
    unsigned int prefix;
};

/* Parses a comma-separated list of addresses and CIDRs ("10.0.0.1,
 * 192.168.0.0/16, ::1, fd00::/8"; blanks around entries allowed) into
 * `out` (room for `max`), count in *n. An empty or blank list is no
 * proxies. On a bad entry returns -1 and copies the entry into `bad`. */
int mg_proxy_parse_list(const char *s, struct mg_proxy_net *out, size_t max, size_t *n,
                        char *bad, size_t badlen);

/* Whether the numeric address `ip` (text) lies in one of `nets`. An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as its IPv4 address. */
bool mg_proxy_match_text(const struct mg_proxy_net *nets, size_t n, const char *ip);

/* The same for a socket address; writes its text to `text` when not NULL. */
bool mg_proxy_match_sockaddr(const struct mg_proxy_net *nets, size_t n, const struct sockaddr *sa,
                             char *text, size_t textlen);

/* The client named by X-Forwarded-For value `xff` as sent by a trusted
 * proxy: the rightmost entry that is not itself a trusted proxy (entries
 * further left could have been written by the client). Writes it to `out`
 * and returns 0; -1 (nothing written) when `xff` holds no valid address. */
int mg_proxy_forwarded_client(const struct mg_proxy_net *nets, size_t n, const char *xff,
                              char *out, size_t outlen);

#endif
