/* test_config.c: environment parsing and the JSON error shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "mg_config.h"
#include "mg_error.h"

static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
    for (const char *const *p = fake_env; p && *p; p += 2)
        if (strcmp(p[0], name) == 0)
            return p[1];
    return NULL;
}

static void test_config_defaults(void **state)
{
    static const char *const env[] = {"MOGNAD_DATA_DIR", "/srv/mognad", NULL};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = env;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_string_equal(c.listen_host, "127.0.0.1");
    assert_int_equal(c.listen_port, 8080);
    assert_int_equal(c.threads, MG_CONFIG_DEFAULT_THREADS);
    assert_int_equal(c.max_body, MG_CONFIG_DEFAULT_MAX_BODY);
    assert_null(c.database_url);
    assert_string_equal(c.web_root, "/srv/mognad/web");
    assert_string_equal(c.key_file, "var/mognad.key");
    mg_config_free(&c);
}

static void test_config_reads_every_variable(void **state)
{
    static const char *const env[] = {
        "MOGNAD_LISTEN", "[::1]:9000", "DATABASE_URL", "postgresql:///x", "MOGNAD_THREADS", "8",
        "MOGNAD_MAX_BODY", "65536", "MOGNAD_WEB_ROOT", "/w", "MOGNAD_KEY_FILE", "/k",
        "MOGNAD_MAX_CONNECTIONS", "10", "MOGNAD_TIMEOUT", "5", "MOGNAD_DATA_DIR", "/d", NULL};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = env;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_string_equal(c.listen_host, "::1");
    assert_int_equal(c.listen_port, 9000);
    assert_string_equal(c.database_url, "postgresql:///x");
    assert_int_equal(c.threads, 8);
    assert_int_equal(c.max_body, 65536);
    assert_string_equal(c.web_root, "/w");
    assert_string_equal(c.key_file, "/k");
    assert_int_equal(c.max_connections, 10);
    assert_int_equal(c.timeout, 5);
    mg_config_free(&c);
}

static void test_config_refuses_bad_values_naming_the_variable(void **state)
{
    static const char *const cases[][2] = {
        {"MOGNAD_LISTEN", "localhost:80"}, {"MOGNAD_LISTEN", "127.0.0.1"},
        {"MOGNAD_LISTEN", "127.0.0.1:70000"}, {"MOGNAD_LISTEN", "127.0.0.1:-1"},
        {"MOGNAD_LISTEN", "[::1:80"}, {"MOGNAD_THREADS", "0"}, {"MOGNAD_THREADS", "4x"},
        {"MOGNAD_THREADS", "-4"}, {"MOGNAD_MAX_BODY", "100"}, {"MOGNAD_TIMEOUT", "0"},
        {"MOGNAD_MAX_CONNECTIONS", "many"}};
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *env[] = {cases[i][0], cases[i][1], NULL};
        struct mg_config c;
        char err[256] = "";
        fake_env = env;
        assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), -1);
        assert_int_equal(strncmp(err, cases[i][0], strlen(cases[i][0])), 0);
    }
}

static void test_config_max_per_client_has_a_default_and_a_range(void **state)
{
    static const char *const dflt[] = {"MOGNAD_DATA_DIR", "/d", NULL};
    static const char *const set[] = {"MOGNAD_DATA_DIR", "/d", "MOGNAD_MAX_PER_CLIENT", "3", NULL};
    static const char *const bad[] = {"0", "100001", "-1", "8x", "many", " 4"};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = dflt;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_int_equal(c.max_per_client, MG_CONFIG_DEFAULT_MAX_PER_CLIENT);
    assert_int_equal(c.max_per_client, 64);
    mg_config_free(&c);
    fake_env = set;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_int_equal(c.max_per_client, 3);
    mg_config_free(&c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *env[] = {"MOGNAD_MAX_PER_CLIENT", bad[i], NULL};
        err[0] = '\0';
        fake_env = env;
        assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), -1);
        assert_non_null(strstr(err, "MOGNAD_MAX_PER_CLIENT: "));
        assert_non_null(strstr(err, "from 1 to 100000"));
    }
    assert_non_null(strstr(mg_config_help, "MOGNAD_MAX_PER_CLIENT"));
}

static void test_config_replica_url_and_lag_limit(void **state)
{
    static const char *const dflt[] = {"MOGNAD_DATA_DIR", "/d", NULL};
    static const char *const set[] = {"MOGNAD_DATA_DIR", "/d", "MOGNAD_DATABASE_URL_RO", "postgresql:///r",
                                      "MOGNAD_REPLICA_MAX_LAG", "0", NULL};
    static const char *const bad[] = {"86401", "-1", "30s", "soon", " 5"};
    struct mg_config c;
    char err[256];
    (void)state;
    fake_env = dflt;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_null(c.database_url_ro);
    assert_int_equal(c.replica_max_lag, MG_CONFIG_DEFAULT_REPLICA_MAX_LAG);
    assert_int_equal(c.replica_max_lag, 30);
    mg_config_free(&c);
    fake_env = set;
    assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), 0);
    assert_string_equal(c.database_url_ro, "postgresql:///r");
    assert_int_equal(c.replica_max_lag, 0);
    mg_config_free(&c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *env[] = {"MOGNAD_REPLICA_MAX_LAG", bad[i], NULL};
        err[0] = '\0';
        fake_env = env;
        assert_int_equal(mg_config_load(&c, fake_getenv, err, sizeof err), -1);
        assert_non_null(strstr(err, "MOGNAD_REPLICA_MAX_LAG: "));
        assert_non_null(strstr(err, "from 0 to 86400"));
    }
    assert_non_null(strstr(mg_config_help, "MOGNAD_REPLICA_MAX_LAG"));
}

static void test_error_json_has_one_shape(void **state)
{
    (void)state;
    cJSON *j = mg_error_json(MG_ERR_NOT_FOUND, NULL, NULL);
    char *s = cJSON_PrintUnformatted(j);
    assert_string_equal(s, "{\"error\":{\"code\":\"not_found\",\"message\":\"Nothing is found at this address.\"}}");
    free(s);
    cJSON_Delete(j);
    j = mg_error_json(MG_ERR_ANSWER_INVALID, "Answer 7 is out of range.", "items.q7");
    s = cJSON_PrintUnformatted(j);
    assert_string_equal(s, "{\"error\":{\"code\":\"answer_invalid\",\"message\":\"Answer 7 is out of range.\",\"field\":\"items.q7\"}}");
    free(s);
    cJSON_Delete(j);
    assert_int_equal(mg_error_status(MG_ERR_BODY_TOO_LARGE), 413);
    assert_int_equal(mg_error_status(MG_ERR_ROUND_CLOSED), 410);
    assert_int_equal(mg_error_status((enum mg_error)9999), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_config_reads_every_variable),
        cmocka_unit_test(test_config_refuses_bad_values_naming_the_variable),
        cmocka_unit_test(test_config_max_per_client_has_a_default_and_a_range),
        cmocka_unit_test(test_config_replica_url_and_lag_limit),
        cmocka_unit_test(test_error_json_has_one_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
