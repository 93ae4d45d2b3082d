/* proxy.c: trusted proxy lists and the client address behind a proxy. */
#include "mg_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Parses one "addr" or "addr/prefix" of `len` bytes; 0 on success. */
static int parse_one(const char *s, size_t len, struct mg_proxy_net *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    if (len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    if (slash)
        *slash = '\0';
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = 128;
    } else {
        return -1;
    }
    if (slash) {
        const char *p = slash + 1;
        char *end;
        if (*p < '0' || *p > '9' || strlen(p) > 3)
            return -1;
        unsigned long v = strtoul(p, &end, 10);
        if (*end || v > out->prefix)
            return -1;
        out->prefix = (unsigned int)v;
    }
    return 0;
}

int mg_proxy_parse_list(const char *s, struct mg_proxy_net *out, size_t max, size_t *n,
                        char *bad, size_t badlen)
{
    *n = 0;
    if (!s)
        return 0;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        size_t len = strcspn(s, ",");
        size_t trimmed = len;
        while (trimmed && (s[trimmed - 1] == ' ' || s[trimmed - 1] == '\t'))
            trimmed--;
        if (trimmed == 0 && s[len] == '\0')
            break; /* blank, or a trailing comma */
        if (*n >= max || parse_one(s, trimmed, &out[*n]) != 0) {
            snprintf(bad, badlen, "%.*s", (int)(trimmed > 64 ? 64 : trimmed), s);
            if (*n >= max)
                snprintf(bad, badlen, "more than %zu entries", max);
            return -1;
        }
        (*n)++;
        s += len;
        if (*s == ',')
            s++;
    }
    return 0;
}

/* Whether `addr` of `family` lies in `net`. */
static bool in_net(const struct mg_proxy_net *net, int family, const unsigned char *addr)
{
    if (net->family != family)
        return false;
    unsigned int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr, full) != 0)
        return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xff << (8 - rest));
        if ((net->addr[full] & mask) != (addr[full] & mask))
            return false;
    }
    return true;
}

static bool match(const struct mg_proxy_net *nets, size_t n, int family, const unsigned char *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && memcmp(addr, mapped, sizeof mapped) == 0) {
        family = AF_INET;
        addr += 12;
    }
    for (size_t i = 0; i < n; i++)
        if (in_net(&nets[i], family, addr))
            return true;
    return false;
}

bool mg_proxy_match_text(const struct mg_proxy_net *nets, size_t n, const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return match(nets, n, AF_INET, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return match(nets, n, AF_INET6, a);
    return false;
}

bool mg_proxy_match_sockaddr(const struct mg_proxy_net *nets, size_t n, const struct sockaddr *sa,
                             char *text, size_t textlen)
{
    const unsigned char *a;
    int family = sa->sa_family;
    if (family == AF_INET)
        a = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (family == AF_INET6)
        a = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    else
        return false;
    if (text)
        inet_ntop(family, a, text, (socklen_t)textlen);
    return match(nets, n, family, a);
}

int mg_proxy_forwarded_client(const struct mg_proxy_net *nets, size_t n, const char *xff,
                              char *out, size_t outlen)
{
    char entry[INET6_ADDRSTRLEN + 1];
    const char *end = xff + strlen(xff);
    bool any = false;

    /* Walk from the right: each trusted hop appended the address it saw. */
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
            b--;
        size_t len = (size_t)(b - a);
        unsigned char bin[16];
        if (len == 0 || len >= sizeof entry)
            return any ? 0 : -1; /* garbage: stop trusting what lies left of it */
        memcpy(entry, a, len);
        entry[len] = '\0';
        if (inet_pton(AF_INET, entry, bin) != 1 && inet_pton(AF_INET6, entry, bin) != 1)
            return any ? 0 : -1;
        if (!mg_proxy_match_text(nets, n, entry)) {
            snprintf(out, outlen, "%s", entry);
            return 0;
        }
        any = true;
        snprintf(out, outlen, "%s", entry); /* every hop so far was a proxy */
        end = start > xff ? start - 1 : xff;
    }
    return any ? 0 : -1;
}
