/* test_config_proxy.c: MOGNAD_TRUSTED_PROXIES, MOGNAD_SSO_HEADER,
 * MOGNAD_LOCAL_PASSWORDS, MOGNAD_DATABASE_URL_RO and the client address
 * behind a trusted proxy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mg_config.h"
#include "mg_proxy.h"

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
    for (const char *const *p = fake_env; p && *p; p += 2)
        if (strcmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static void test_proxy_defaults_trust_nobody(void **state)
{
    static const char *const env[] = {"MOGNAD_DATA_DIR", "/d", NULL};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = env;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_int_equal(c.n_trusted_proxies, 0);
    assert_string_equal(c.sso_header, "");
    assert_true(c.local_passwords);
    assert_null(c.database_url_ro);
    assert_false(mg_proxy_match_text(c.trusted_proxies, c.n_trusted_proxies, "127.0.0.1"));
    mg_config_free(&c);
}

static void test_proxy_reads_every_variable(void **state)
{
    static const char *const env[] = {
        "MOGNAD_DATA_DIR", "/d", "MOGNAD_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8 ,fd00::/8,",
        "MOGNAD_SSO_HEADER", "X-Remote-User", "MOGNAD_LOCAL_PASSWORDS", "0",
        "MOGNAD_DATABASE_URL_RO", "postgresql://replica/mognad", NULL};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = env;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_int_equal(c.n_trusted_proxies, 3);
    assert_string_equal(c.sso_header, "X-Remote-User");
    assert_false(c.local_passwords);
    assert_string_equal(c.database_url_ro, "postgresql://replica/mognad");
    const struct mg_proxy_net *n = c.trusted_proxies;
    size_t k = c.n_trusted_proxies;
    assert_true(mg_proxy_match_text(n, k, "127.0.0.1"));
    assert_false(mg_proxy_match_text(n, k, "127.0.0.2"));
    assert_true(mg_proxy_match_text(n, k, "10.255.1.2"));
    assert_false(mg_proxy_match_text(n, k, "11.0.0.1"));
    assert_true(mg_proxy_match_text(n, k, "fd12::1"));
    assert_false(mg_proxy_match_text(n, k, "fe80::1"));
    assert_true(mg_proxy_match_text(n, k, "::ffff:10.1.2.3")); /* IPv4-mapped */
    assert_false(mg_proxy_match_text(n, k, "not-an-address"));
    mg_config_free(&c);
}

static void test_proxy_refuses_bad_values_naming_the_variable(void **state)
{
    static const char *const cases[][4] = {
        {"MOGNAD_TRUSTED_PROXIES", "localhost", NULL, NULL},
        {"MOGNAD_TRUSTED_PROXIES", "10.0.0.0/33", NULL, NULL},
        {"MOGNAD_TRUSTED_PROXIES", "10.0.0.1,,10.0.0.2", NULL, NULL},
        {"MOGNAD_TRUSTED_PROXIES", "::1/129", NULL, NULL},
        {"MOGNAD_TRUSTED_PROXIES", "10.0.0.0/-1", NULL, NULL},
        {"MOGNAD_TRUSTED_PROXIES", "10.0.0.0/", NULL, NULL},
        /* The header only means something from a trusted proxy. */
        {"MOGNAD_SSO_HEADER", "X-Remote-User", NULL, NULL},
        {"MOGNAD_SSO_HEADER", "X Remote", "MOGNAD_TRUSTED_PROXIES", "127.0.0.1"},
        {"MOGNAD_SSO_HEADER", "X-Forwarded-User", "MOGNAD_TRUSTED_PROXIES", "127.0.0.1"},
        {"MOGNAD_SSO_HEADER", "Cookie", "MOGNAD_TRUSTED_PROXIES", "127.0.0.1"},
        {"MOGNAD_LOCAL_PASSWORDS", "no", NULL, NULL},
        /* Nobody could log in. */
        {"MOGNAD_LOCAL_PASSWORDS", "0", NULL, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *env[] = {cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL};
        struct mg_config c;
        char err[256] = "";
        fake_env = env;
        assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), -1);
        if (strncmp(err, cases[i][0], strlen(cases[i][0])) != 0)
            fail_msg("case %zu: \"%s\"", i, err);
    }
}

static void test_proxy_list_is_bounded(void **state)
{
    char list[64 * 12] = "";
    struct mg_proxy_net nets[MG_PROXY_MAX];
    size_t n;
    char bad[80];
    (void)state;
    for (int i = 0; i < MG_PROXY_MAX + 1; i++) {
        char one[16];
        snprintf(one, sizeof one, "%s10.0.0.%d", i ? "," : "", i);
        strcat(list, one);
    }
    assert_int_equal(mg_proxy_parse_list(list, nets, MG_PROXY_MAX, &n, bad, sizeof bad), -1);
    assert_int_equal(mg_proxy_parse_list("", nets, MG_PROXY_MAX, &n, bad, sizeof bad), 0);
    assert_int_equal(n, 0);
}

static void test_proxy_forwarded_client_is_rightmost_untrusted(void **state)
{
    struct mg_proxy_net nets[4];
    size_t n;
    char bad[80], out[64];
    (void)state;
    assert_int_equal(mg_proxy_parse_list("127.0.0.1,10.0.0.0/8", nets, 4, &n, bad, sizeof bad), 0);
    /* The client may have sent its own X-Forwarded-For: the proxy appends
     * the address it saw, so the rightmost untrusted entry counts. */
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "6.6.6.6, 203.0.113.7", out, sizeof out), 0);
    assert_string_equal(out, "203.0.113.7");
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "203.0.113.7, 10.1.1.1", out, sizeof out), 0);
    assert_string_equal(out, "203.0.113.7");
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "2001:db8::5", out, sizeof out), 0);
    assert_string_equal(out, "2001:db8::5");
    /* Only proxies: the leftmost of them. */
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "10.0.0.9,10.0.0.8", out, sizeof out), 0);
    assert_string_equal(out, "10.0.0.9");
    /* Garbage is never taken as an address. */
    strcpy(out, "unchanged");
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "evil<script>", out, sizeof out), -1);
    assert_string_equal(out, "unchanged");
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "", out, sizeof out), -1);
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "1.2.3.4, junk", out, sizeof out), -1);
    assert_int_equal(mg_proxy_forwarded_client(nets, n, "junk, 10.0.0.3", out, sizeof out), 0);
    assert_string_equal(out, "10.0.0.3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_defaults_trust_nobody),
        cmocka_unit_test(test_proxy_reads_every_variable),
        cmocka_unit_test(test_proxy_refuses_bad_values_naming_the_variable),
        cmocka_unit_test(test_proxy_list_is_bounded),
        cmocka_unit_test(test_proxy_forwarded_client_is_rightmost_untrusted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
