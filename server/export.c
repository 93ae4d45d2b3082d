/* export.c: indicators as CSV and Excel, microdata as CSV with a codebook
 * and as SPSS .sav. Everything here writes what it is given: the figures
 * come from mg_indicators_round (privacy rule applied) and the microdata
 * from mg_microdata_load (units generalised by the privacy layer). */
#include "mg_export.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <readstat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "mg_csv.h"

/* ---- texts ----------------------------------------------------------------- */

enum text {
    T_CODE, T_UNIT, T_PARENT, T_DEPTH, T_ROLE, T_RESPONDED, T_INVITED, T_RATE, T_INDEX, T_CI_LOW,
    T_CI_HIGH, T_SD, T_N, T_MEAN, T_AREA, T_SERVICE, T_REGULAR, T_DIFFERENCE, T_P, T_ALPHA, T_ITEMS,
    T_HIDDEN, T_HIDDEN_EXPLAINED, T_S_OVERVIEW, T_S_AREAS, T_S_LEVELS, T_S_SERVICES, T_S_GAP, T_S_CHANGE,
    T_S_RELIABILITY, T_S_ABOUT, T_STAFF, T_MANAGERS, T_ALL, T_ROUND, T_K, T_CREATED, T_SAME_PEOPLE,
    T_GAP_EXPLAINED, T_CHANGE_EXPLAINED, T_SHARE_EXPLAINED, T_PREVIOUS, T_NO_PREVIOUS, T_COUNT
};

static const char *const texts[T_COUNT][4] = {
    [T_CODE] = {"Enhetskod", "Enhetskode", "Einingskode", "Unit code"},
    [T_UNIT] = {"Enhet", "Enhet", "Eining", "Unit"},
    [T_PARENT] = {"Överordnad enhet", "Overordnet enhet", "Overordna eining", "Parent unit"},
    [T_DEPTH] = {"Nivå i organisationen", "Nivå i organisasjonen", "Nivå i organisasjonen",
                 "Level in the organisation"},
    [T_ROLE] = {"Roll", "Rolle", "Rolle", "Role"},
    [T_RESPONDED] = {"Svarande", "Svar", "Svar", "Responded"},
    [T_INVITED] = {"Inbjudna", "Inviterte", "Inviterte", "Invited"},
    [T_RATE] = {"Svarsfrekvens (%)", "Svarprosent (%)", "Svarprosent (%)", "Response rate (%)"},
    [T_INDEX] = {"Digitalt kompetensindex", "Digital kompetanseindeks", "Digital kompetanseindeks",
                 "Digital competence index"},
    [T_CI_LOW] = {"95 % KI nedre", "95 % KI nedre", "95 % KI nedre", "95% CI lower"},
    [T_CI_HIGH] = {"95 % KI övre", "95 % KI øvre", "95 % KI øvre", "95% CI upper"},
    [T_SD] = {"Standardavvikelse", "Standardavvik", "Standardavvik", "Standard deviation"},
    [T_N] = {"Antal", "Antall", "Tal", "Number"},
    [T_MEAN] = {"Medelvärde", "Gjennomsnitt", "Gjennomsnitt", "Mean"},
    [T_AREA] = {"Område", "Område", "Område", "Area"},
    [T_SERVICE] = {"Tjänst", "Tjeneste", "Teneste", "Service"},
    [T_REGULAR] = {"Använder regelbundet (%)", "Bruker jevnlig (%)", "Brukar jamleg (%)", "Uses regularly (%)"},
    [T_DIFFERENCE] = {"Skillnad", "Forskjell", "Skilnad", "Difference"},
    [T_P] = {"p-värde", "p-verdi", "p-verdi", "p-value"},
    [T_ALPHA] = {"Cronbachs alfa", "Cronbachs alfa", "Cronbachs alfa", "Cronbach's alpha"},
    [T_ITEMS] = {"Frågor", "Spørsmål", "Spørsmål", "Items"},
    [T_HIDDEN] = {"dolt", "skjult", "skjult", "hidden"},
    [T_HIDDEN_EXPLAINED] =
        {"dolt: färre än %d svarande i gruppen, eller en siffra som skulle göra det möjligt att räkna fram en "
         "sådan grupp ur de andra.",
         "skjult: færre enn %d svar i gruppen, eller et tall som ville gjort det mulig å regne seg fram til en "
         "slik gruppe fra de andre.",
         "skjult: færre enn %d svar i gruppa, eller eit tal som ville gjort det mogleg å rekne seg fram til ei "
         "slik gruppe frå dei andre.",
         "hidden: fewer than %d respondents in the group, or a figure that would let such a group be worked "
         "out from the others."},
    [T_S_OVERVIEW] = {"Översikt", "Oversikt", "Oversikt", "Overview"},
    [T_S_AREAS] = {"Områden", "Områder", "Område", "Areas"},
    [T_S_LEVELS] = {"Nivåer", "Nivåer", "Nivå", "Levels"},
    [T_S_SERVICES] = {"Bastjänster", "Fellestjenester", "Fellestenester", "Base services"},
    [T_S_GAP] = {"Chefer och medarbetare", "Ledere og medarbeidere", "Leiarar og medarbeidarar",
                 "Managers and staff"},
    [T_S_CHANGE] = {"Förändring", "Endring", "Endring", "Change"},
    [T_S_RELIABILITY] = {"Reliabilitet", "Reliabilitet", "Reliabilitet", "Reliability"},
    [T_S_ABOUT] = {"Om siffrorna", "Om tallene", "Om tala", "About the figures"},
    [T_STAFF] = {"Medarbetare", "Medarbeidere", "Medarbeidarar", "Staff"},
    [T_MANAGERS] = {"Chefer", "Ledere", "Leiarar", "Managers"},
    [T_ALL] = {"Alla", "Alle", "Alle", "All"},
    [T_ROUND] = {"Mätning", "Måling", "Måling", "Round"},
    [T_K] = {"Minsta gruppstorlek", "Minste gruppestørrelse", "Minste gruppestorleik", "Minimum group size"},
    [T_CREATED] = {"Skapad", "Laget", "Laga", "Created"},
    [T_SAME_PEOPLE] = {"samma personer", "samme personer", "dei same personane", "same people"},
    [T_GAP_EXPLAINED] = {"Skillnad: chefernas medelvärde minus medarbetarnas.",
                         "Forskjell: ledernes gjennomsnitt minus medarbeidernes.",
                         "Skilnad: gjennomsnittet til leiarane minus gjennomsnittet til medarbeidarane.",
                         "Difference: the managers' mean minus the staff's."},
    [T_CHANGE_EXPLAINED] = {"Förändring: medelvärdet nu minus vid förra mätningen (Welchs t-test).",
                            "Endring: gjennomsnittet nå minus ved forrige måling (Welchs t-test).",
                            "Endring: gjennomsnittet no minus ved førre måling (Welchs t-test).",
                            "Change: the mean now minus at the previous round (Welch's t-test)."},
    [T_SHARE_EXPLAINED] = {"Andelar i procent av dem som svarat.", "Andeler i prosent av dem som svarte.",
                           "Delar i prosent av dei som svarte.", "Shares in per cent of those who responded."},
    [T_PREVIOUS] = {"Förra mätningen", "Forrige måling", "Førre måling", "Previous round"},
    [T_NO_PREVIOUS] = {"Det finns ingen tidigare mätning att jämföra med.",
                       "Det finnes ingen tidligere måling å sammenligne med.",
                       "Det finst inga tidlegare måling å samanlikne med.",
                       "There is no previous round to compare with."},
};

static const char *const lang_keys[] = {"sv", "nb", "nn", "en"};

int mg_export_lang(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (strcmp(s, lang_keys[i]) == 0)
            return i;
    return -1;
}

static const char *tx(enum text t, int lang)
{
    return texts[t][lang >= 0 && lang < 4 ? lang : 3];
}

/* ---- reading the indicators JSON ---------------------------------------- */

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static bool hidden(const cJSON *v)
{
    return cJSON_IsTrue(get(v, "suppressed"));
}

/* The name of area, level or service `key` in `lang`, else the key. */
static const char *name_of(const cJSON *ind, const char *kind, const char *key, int lang)
{
    const char *s = cJSON_GetStringValue(get(get(get(get(ind, "names"), kind), key), lang_keys[lang]));
    return s && *s ? s : key;
}

static const char *role_text(const cJSON *ind, int lang)
{
    const char *r = cJSON_GetStringValue(get(ind, "role"));
    if (r && strcmp(r, "staff") == 0)
        return tx(T_STAFF, lang);
    if (r && strcmp(r, "manager") == 0)
        return tx(T_MANAGERS, lang);
    return tx(T_ALL, lang);
}

/* ---- CSV ------------------------------------------------------------------ */

struct csv {
    FILE *f;
    char sep;
    bool comma_decimal;
    bool first;
};

static void csv_text(struct csv *c, const char *s)
{
    if (!c->first)
        fputc(c->sep, c->f);
    c->first = false;
    mg_csv_write_field(c->f, s);
}

/* A number goes out as it is (never through mg_csv_write_field, which
 * would mark "-3.00" as a would-be formula); it holds no separator, as the
 * decimal mark is a comma only with semicolons. */
static void csv_number(struct csv *c, double v, int decimals)
{
    char buf[64];
    if (!isfinite(v)) {
        csv_text(c, "");
        return;
    }
    snprintf(buf, sizeof buf, "%.*f", decimals, v);
    if (strcmp(buf, "-0") == 0 || (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1)))
        memmove(buf, buf + 1, strlen(buf));
    if (c->comma_decimal)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    if (!c->first)
        fputc(c->sep, c->f);
    c->first = false;
    fputs(buf, c->f);
}

static void csv_end(struct csv *c)
{
    fputs("\r\n", c->f);
    c->first = true;
}

/* A figure of a cell: its number, "hidden", or empty when there is none. */
static void csv_figure(struct csv *c, const cJSON *cell, const char *field, double scale, int decimals,
                       int lang)
{
    if (hidden(cell)) {
        csv_text(c, tx(T_HIDDEN, lang));
        return;
    }
    const cJSON *v = field ? get(cell, field) : cell;
    if (hidden(v))
        csv_text(c, tx(T_HIDDEN, lang));
    else if (cJSON_IsNumber(v))
        csv_number(c, v->valuedouble * scale, decimals);
    else
        csv_text(c, "");
}

static void csv_ci(struct csv *c, const cJSON *cell, int i)
{
    const cJSON *ci = hidden(cell) ? NULL : get(cell, "ci95");
    if (cJSON_IsArray(ci) && cJSON_IsNumber(cJSON_GetArrayItem(ci, i)))
        csv_number(c, cJSON_GetArrayItem(ci, i)->valuedouble, 2);
    else
        csv_text(c, "");
}

int mg_export_indicators_csv(FILE *f, const cJSON *ind, int lang, bool semicolon)
{
    struct csv c = {f, semicolon ? ';' : ',', semicolon, true};
    const cJSON *a, *u;

    fputs("\xEF\xBB\xBF", f);
    const enum text head[] = {T_CODE, T_UNIT, T_PARENT, T_DEPTH, T_ROLE, T_RESPONDED, T_INVITED, T_RATE, T_INDEX,
                              T_CI_LOW, T_CI_HIGH};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
        csv_text(&c, tx(head[i], lang));
    cJSON_ArrayForEach(a, get(ind, "areas"))
        csv_text(&c, name_of(ind, "areas", cJSON_GetStringValue(get(a, "key")), lang));
    cJSON_ArrayForEach(a, get(ind, "services")) {
        char h[256];
        snprintf(h, sizeof h, "%s: %s", name_of(ind, "services", cJSON_GetStringValue(a), lang),
                 tx(T_REGULAR, lang));
        csv_text(&c, h);
    }
    csv_end(&c);

    cJSON_ArrayForEach(u, get(ind, "units")) {
        const cJSON *s = get(u, "subtree");
        char depth[16];
        snprintf(depth, sizeof depth, "%d", get(u, "depth") ? get(u, "depth")->valueint : 0);
        csv_text(&c, cJSON_GetStringValue(get(u, "code")));
        csv_text(&c, cJSON_GetStringValue(get(u, "name")));
        csv_text(&c, cJSON_GetStringValue(get(u, "parent")));
        csv_text(&c, depth);
        csv_text(&c, role_text(ind, lang));
        csv_figure(&c, get(s, "responded"), NULL, 1, 0, lang);
        csv_figure(&c, get(s, "invited"), NULL, 1, 0, lang);
        csv_figure(&c, get(s, "response_rate"), NULL, 100, 1, lang);
        csv_figure(&c, get(s, "index"), "mean", 1, 2, lang);
        csv_ci(&c, get(s, "index"), 0);
        csv_ci(&c, get(s, "index"), 1);
        cJSON_ArrayForEach(a, get(ind, "areas"))
            csv_figure(&c, get(get(s, "areas"), cJSON_GetStringValue(get(a, "key"))), "mean", 1, 2, lang);
        cJSON_ArrayForEach(a, get(ind, "services"))
            csv_figure(&c, get(get(s, "services"), cJSON_GetStringValue(a)), "regular", 100, 1, lang);
        csv_end(&c);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* ---- Excel ---------------------------------------------------------------- */

struct book {
    lxw_workbook *wb;
    lxw_format *head, *num0, *num1, *num2, *num3, *hidden, *wrap, *title;
    int lang;
};

struct sheet {
    struct book *b;
    lxw_worksheet *ws;
    lxw_row_t row;
    lxw_col_t col;
};

static struct sheet sheet_new(struct book *b, enum text name)
{
    struct sheet s = {b, workbook_add_worksheet(b->wb, tx(name, b->lang)), 0, 0};
    return s;
}

static void x_text(struct sheet *s, const char *t, lxw_format *f)
{
    if (t && *t)
        worksheet_write_string(s->ws, s->row, s->col, t, f);
    s->col++;
}

static void x_num(struct sheet *s, double v, lxw_format *f)
{
    if (isfinite(v))
        worksheet_write_number(s->ws, s->row, s->col, v, f);
    s->col++;
}

static void x_next(struct sheet *s)
{
    s->row++;
    s->col = 0;
}

static void x_head(struct sheet *s, const enum text *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x_text(s, tx(t[i], s->b->lang), s->b->head);
}

/* A figure: the number, the word "hidden" in its own format, or nothing. */
static void x_figure(struct sheet *s, const cJSON *cell, const char *field, double scale, lxw_format *f)
{
    const cJSON *v = !cell || hidden(cell) || !field ? cell : get(cell, field);
    if (hidden(cell) || hidden(v))
        x_text(s, tx(T_HIDDEN, s->b->lang), s->b->hidden);
    else if (cJSON_IsNumber(v))
        x_num(s, v->valuedouble * scale, f);
    else
        s->col++;
}

static void x_ci(struct sheet *s, const cJSON *cell)
{
    const cJSON *ci = !cell || hidden(cell) ? NULL : get(cell, "ci95");
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetArrayItem(ci, i);
        if (cJSON_IsNumber(v))
            x_num(s, v->valuedouble, s->b->num2);
        else if (hidden(cell))
            x_text(s, tx(T_HIDDEN, s->b->lang), s->b->hidden);
        else
            s->col++;
    }
}

static void x_unit(struct sheet *s, const cJSON *u)
{
    x_text(s, cJSON_GetStringValue(get(u, "code")), NULL);
    x_text(s, cJSON_GetStringValue(get(u, "name")), NULL);
}

/* Each area key of the indicators, with the index first ("*"). */
static size_t area_keys(const cJSON *ind, const char **keys, size_t max)
{
    size_t n = 0;
    const cJSON *a;
    keys[n++] = "*";
    cJSON_ArrayForEach(a, get(ind, "areas")) if (n < max) keys[n++] = cJSON_GetStringValue(get(a, "key"));
    return n;
}

static const cJSON *area_cell(const cJSON *cell, const char *key)
{
    return strcmp(key, "*") == 0 ? get(cell, "index") : get(get(cell, "areas"), key);
}

static const char *area_title(const cJSON *ind, const char *key, int lang)
{
    return strcmp(key, "*") == 0 ? tx(T_INDEX, lang) : name_of(ind, "areas", key, lang);
}

/* A difference with its CI and p (Welch), or hidden, or nothing. */
static void x_welch(struct sheet *s, const cJSON *w)
{
    if (hidden(w)) {
        for (int i = 0; i < 4; i++)
            x_text(s, tx(T_HIDDEN, s->b->lang), s->b->hidden);
        return;
    }
    x_figure(s, w, "difference", 1, s->b->num2);
    x_ci(s, w);
    x_figure(s, w, "p", 1, s->b->num3);
}

int mg_export_indicators_xlsx(const char *path, const cJSON *ind, int lang, char *err, size_t errlen)
{
    struct book b = {.lang = lang};
    const char *keys[80];
    size_t nkeys = area_keys(ind, keys, 80);
    const cJSON *u, *a;

    b.wb = workbook_new(path);
    if (!b.wb) {
        snprintf(err, errlen, "cannot create %s", path);
        return -1;
    }
    b.head = workbook_add_format(b.wb);
    format_set_bold(b.head);
    format_set_text_wrap(b.head);
    format_set_align(b.head, LXW_ALIGN_VERTICAL_TOP);
    b.title = workbook_add_format(b.wb);
    format_set_bold(b.title);
    format_set_font_size(b.title, 14);
    b.num0 = workbook_add_format(b.wb);
    format_set_num_format(b.num0, "0");
    b.num1 = workbook_add_format(b.wb);
    format_set_num_format(b.num1, "0.0");
    b.num2 = workbook_add_format(b.wb);
    format_set_num_format(b.num2, "0.00");
    b.num3 = workbook_add_format(b.wb);
    format_set_num_format(b.num3, "0.000");
    b.hidden = workbook_add_format(b.wb);
    format_set_italic(b.hidden);
    format_set_font_color(b.hidden, 0x404040);
    format_set_pattern(b.hidden, LXW_PATTERN_LIGHT_UP);
    format_set_fg_color(b.hidden, 0xD9D9D9);
    format_set_align(b.hidden, LXW_ALIGN_RIGHT);
    b.wrap = workbook_add_format(b.wb);
    format_set_text_wrap(b.wrap);

    /* Overview: the same table as the CSV. */
    struct sheet s = sheet_new(&b, T_S_OVERVIEW);
    const enum text h1[] = {T_CODE, T_UNIT, T_PARENT, T_DEPTH, T_RESPONDED, T_INVITED, T_RATE, T_INDEX,
                            T_CI_LOW, T_CI_HIGH};
    x_head(&s, h1, sizeof h1 / sizeof h1[0]);
    for (size_t i = 1; i < nkeys; i++)
        x_text(&s, area_title(ind, keys[i], lang), b.head);
    x_next(&s);
    cJSON_ArrayForEach(u, get(ind, "units")) {
        const cJSON *c = get(u, "subtree");
        x_unit(&s, u);
        x_text(&s, cJSON_GetStringValue(get(u, "parent")), NULL);
        x_num(&s, get(u, "depth") ? get(u, "depth")->valuedouble : 0, b.num0);
        x_figure(&s, get(c, "responded"), NULL, 1, b.num0);
        x_figure(&s, get(c, "invited"), NULL, 1, b.num0);
        x_figure(&s, get(c, "response_rate"), NULL, 100, b.num1);
        x_figure(&s, get(c, "index"), "mean", 1, b.num2);
        x_ci(&s, get(c, "index"));
        for (size_t i = 1; i < nkeys; i++)
            x_figure(&s, area_cell(c, keys[i]), "mean", 1, b.num2);
        x_next(&s);
    }
    worksheet_freeze_panes(s.ws, 1, 2);
    worksheet_set_column(s.ws, 1, 1, 32, NULL);
    worksheet_set_row(s.ws, 0, 45, NULL);

    /* Areas, long: one row per unit and area. */
    s = sheet_new(&b, T_S_AREAS);
    const enum text h2[] = {T_CODE, T_UNIT, T_AREA, T_N, T_MEAN, T_CI_LOW, T_CI_HIGH, T_SD};
    x_head(&s, h2, sizeof h2 / sizeof h2[0]);
    x_next(&s);
    cJSON_ArrayForEach(u, get(ind, "units")) {
        for (size_t i = 0; i < nkeys; i++) {
            const cJSON *c = area_cell(get(u, "subtree"), keys[i]);
            if (!c)
                continue;
            x_unit(&s, u);
            x_text(&s, area_title(ind, keys[i], lang), NULL);
            x_figure(&s, c, "n", 1, b.num0);
            x_figure(&s, c, "mean", 1, b.num2);
            x_ci(&s, c);
            x_figure(&s, c, "sd", 1, b.num2);
            x_next(&s);
        }
    }
    worksheet_set_column(s.ws, 1, 2, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* Levels: the staircase, in per cent of respondents. */
    s = sheet_new(&b, T_S_LEVELS);
    const enum text h3[] = {T_CODE, T_UNIT, T_AREA, T_N};
    x_head(&s, h3, sizeof h3 / sizeof h3[0]);
    cJSON_ArrayForEach(a, get(ind, "levels")) {
        char h[256];
        snprintf(h, sizeof h, "%s (%%)", name_of(ind, "levels", cJSON_GetStringValue(a), lang));
        x_text(&s, h, b.head);
    }
    x_next(&s);
    cJSON_ArrayForEach(u, get(ind, "units")) {
        for (size_t i = 0; i < nkeys; i++) {
            const cJSON *c = area_cell(get(u, "subtree"), keys[i]);
            if (!c)
                continue;
            x_unit(&s, u);
            x_text(&s, area_title(ind, keys[i], lang), NULL);
            x_figure(&s, c, "n", 1, b.num0);
            cJSON_ArrayForEach(a, get(ind, "levels"))
                x_figure(&s, hidden(c) ? c : get(c, "levels"), hidden(c) ? NULL : cJSON_GetStringValue(a), 100,
                         b.num1);
            x_next(&s);
        }
    }
    worksheet_set_column(s.ws, 1, 2, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* Base services. */
    s = sheet_new(&b, T_S_SERVICES);
    const enum text h4[] = {T_CODE, T_UNIT, T_SERVICE, T_N, T_REGULAR};
    x_head(&s, h4, sizeof h4 / sizeof h4[0]);
    x_next(&s);
    cJSON_ArrayForEach(u, get(ind, "units")) {
        cJSON_ArrayForEach(a, get(ind, "services")) {
            const cJSON *c = get(get(get(u, "subtree"), "services"), cJSON_GetStringValue(a));
            x_unit(&s, u);
            x_text(&s, name_of(ind, "services", cJSON_GetStringValue(a), lang), NULL);
            x_figure(&s, c, "n", 1, b.num0);
            x_figure(&s, c, "regular", 100, b.num1);
            x_next(&s);
        }
    }
    worksheet_set_column(s.ws, 1, 2, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* Managers and staff: the gap. */
    s = sheet_new(&b, T_S_GAP);
    const enum text h5[] = {T_CODE, T_UNIT, T_AREA, T_DIFFERENCE, T_CI_LOW, T_CI_HIGH, T_P};
    x_head(&s, h5, sizeof h5 / sizeof h5[0]);
    x_next(&s);
    cJSON_ArrayForEach(u, get(ind, "units")) {
        const cJSON *gap = get(get(u, "subtree"), "gap");
        for (size_t i = 0; i < nkeys; i++) {
            const cJSON *w = strcmp(keys[i], "*") == 0 ? get(gap, "index") : get(get(gap, "areas"), keys[i]);
            if (!w || cJSON_IsNull(w))
                continue;
            x_unit(&s, u);
            x_text(&s, area_title(ind, keys[i], lang), NULL);
            x_welch(&s, w);
            x_next(&s);
        }
    }
    x_next(&s);
    x_text(&s, tx(T_GAP_EXPLAINED, lang), NULL);
    worksheet_set_column(s.ws, 1, 2, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* Change since the previous round, and for the same people. */
    s = sheet_new(&b, T_S_CHANGE);
    const enum text h6[] = {T_CODE, T_UNIT, T_AREA, T_DIFFERENCE, T_CI_LOW, T_CI_HIGH, T_P, T_N};
    x_head(&s, h6, sizeof h6 / sizeof h6[0]);
    x_next(&s);
    /* A first round (or one outside a series) has nothing to compare
     * with: say so rather than leave an empty table. */
    if (!cJSON_IsNumber(get(get(ind, "round"), "previous_round"))) {
        x_text(&s, tx(T_NO_PREVIOUS, lang), NULL);
        x_next(&s);
    }
    cJSON_ArrayForEach(u, get(ind, "units")) {
        const cJSON *ch = get(get(u, "subtree"), "change");
        const cJSON *pd = get(get(u, "subtree"), "paired");
        if (cJSON_IsObject(ch))
            for (size_t i = 0; i < nkeys; i++) {
                const cJSON *w = strcmp(keys[i], "*") == 0 ? get(ch, "index") : get(get(ch, "areas"), keys[i]);
                if (!w || cJSON_IsNull(w))
                    continue;
                x_unit(&s, u);
                x_text(&s, area_title(ind, keys[i], lang), NULL);
                x_welch(&s, w);
                x_next(&s);
            }
        if (cJSON_IsObject(pd)) {
            char t[256];
            snprintf(t, sizeof t, "%s (%s)", tx(T_INDEX, lang), tx(T_SAME_PEOPLE, lang));
            x_unit(&s, u);
            x_text(&s, t, NULL);
            if (hidden(pd)) {
                x_welch(&s, pd);
                x_text(&s, tx(T_HIDDEN, lang), b.hidden);
            } else {
                x_figure(&s, pd, "mean_change", 1, b.num2);
                x_ci(&s, pd);
                x_figure(&s, pd, "p", 1, b.num3);
                x_figure(&s, pd, "n", 1, b.num0);
            }
            x_next(&s);
        }
    }
    x_next(&s);
    x_text(&s, tx(T_CHANGE_EXPLAINED, lang), NULL);
    worksheet_set_column(s.ws, 1, 2, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* Reliability of the round, in the survey's order of areas like the
     * other sheets (the JSON object holds them by key). */
    s = sheet_new(&b, T_S_RELIABILITY);
    const enum text h7[] = {T_AREA, T_N, T_ITEMS, T_ALPHA};
    x_head(&s, h7, sizeof h7 / sizeof h7[0]);
    x_next(&s);
    for (size_t i = 1; i < nkeys; i++) {
        const cJSON *rel = get(get(ind, "reliability"), keys[i]);
        if (!rel)
            continue;
        x_text(&s, name_of(ind, "areas", keys[i], lang), NULL);
        x_figure(&s, rel, "n", 1, b.num0);
        x_figure(&s, rel, "items", 1, b.num0);
        x_figure(&s, rel, "alpha", 1, b.num3);
        x_next(&s);
    }
    worksheet_set_column(s.ws, 0, 0, 30, NULL);
    worksheet_freeze_panes(s.ws, 1, 0);

    /* What the figures are. */
    s = sheet_new(&b, T_S_ABOUT);
    const cJSON *round = get(ind, "round");
    x_text(&s, cJSON_GetStringValue(get(round, "name")), b.title);
    x_next(&s);
    x_next(&s);
    x_text(&s, tx(T_ROLE, lang), b.head);
    x_text(&s, role_text(ind, lang), NULL);
    x_next(&s);
    x_text(&s, tx(T_K, lang), b.head);
    x_figure(&s, get(round, "k"), NULL, 1, b.num0);
    x_next(&s);
    char day[16];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    x_text(&s, tx(T_CREATED, lang), b.head);
    x_text(&s, day, NULL);
    x_next(&s);
    x_next(&s);
    char t[512];
    snprintf(t, sizeof t, tx(T_HIDDEN_EXPLAINED, lang), get(round, "k") ? get(round, "k")->valueint : 0);
    x_text(&s, t, b.wrap);
    x_next(&s);
    x_text(&s, tx(T_SHARE_EXPLAINED, lang), b.wrap);
    x_next(&s);
    x_text(&s, tx(T_GAP_EXPLAINED, lang), b.wrap);
    x_next(&s);
    x_text(&s, tx(T_CHANGE_EXPLAINED, lang), b.wrap);
    worksheet_set_column(s.ws, 0, 0, 90, NULL);
    worksheet_set_column(s.ws, 1, 1, 30, NULL);

    lxw_error rc = workbook_close(b.wb);
    if (rc != LXW_NO_ERROR) {
        snprintf(err, errlen, "cannot write %s: %s", path, lxw_strerror(rc));
        return -1;
    }
    return 0;
}

/* ---- microdata -------------------------------------------------------------- */

void mg_microdata_free(struct mg_microdata *md)
{
    for (size_t i = 0; i < md->nvars; i++)
        free(md->vars[i].label);
    for (size_t i = 0; i < md->nsets; i++) {
        for (size_t j = 0; j < md->sets[i].n; j++)
            free(md->sets[i].v[j].text);
        free(md->sets[i].v);
    }
    free(md->vars);
    free(md->sets);
    memset(md, 0, sizeof *md);
}

/* CSV: the rows as they come, the codebook at the end. */
static int csv_begin(void *ctx, const struct mg_microdata *md)
{
    struct mg_md_csv *m = ctx;
    struct csv c = {m->data, m->semicolon ? ';' : ',', m->semicolon, true};
    fputs("\xEF\xBB\xBF", m->data);
    for (size_t v = 0; v < md->nvars; v++)
        csv_text(&c, md->vars[v].name);
    csv_end(&c);
    return ferror(m->data) ? -1 : 0;
}

static int csv_row(void *ctx, const struct mg_microdata *md, const double *cells, const char *code,
                   const char *name)
{
    struct mg_md_csv *m = ctx;
    struct csv c = {m->data, m->semicolon ? ';' : ',', m->semicolon, true};
    for (size_t v = 0; v < md->nvars; v++) {
        if (md->vars[v].string)
            csv_text(&c, v == 0 ? code : name);
        else
            csv_number(&c, cells[v], md->vars[v].decimals);
    }
    csv_end(&c);
    return ferror(m->data) ? -1 : 0;
}

static int csv_finish(void *ctx, const struct mg_microdata *md)
{
    struct mg_md_csv *m = ctx;
    if (m->codebook) {
        static const char *const cb_head[][4] = {
            {"variabel", "variabel", "variabel", "variable"},
            {"etikett", "etikett", "etikett", "label"},
            {"kod", "kode", "kode", "code"},
            {"kodens betydelse", "kodens betydning", "kva koden tyder", "meaning of the code"},
            {"saknat värde", "manglende verdi", "manglande verdi", "missing value"},
        };
        static const char *const yes[4] = {"ja", "ja", "ja", "yes"};
        int lang = md->lang >= 0 && md->lang < 4 ? md->lang : 3;
        struct csv k = {m->codebook, m->semicolon ? ';' : ',', m->semicolon, true};
        fputs("\xEF\xBB\xBF", m->codebook);
        for (size_t i = 0; i < 5; i++)
            csv_text(&k, cb_head[i][lang]);
        csv_end(&k);
        for (size_t v = 0; v < md->nvars; v++) {
            const struct mg_md_var *var = &md->vars[v];
            csv_text(&k, var->name);
            csv_text(&k, var->label);
            csv_text(&k, "");
            csv_text(&k, "");
            csv_text(&k, "");
            csv_end(&k);
            if (var->labels < 0)
                continue;
            /* The "don't know" code is declared missing here as in the
             * .sav, so nobody averages it in as a score of -1. */
            const struct mg_md_labels *set = &md->sets[var->labels];
            for (size_t j = 0; j < set->n; j++) {
                csv_text(&k, var->name);
                csv_text(&k, "");
                csv_number(&k, set->v[j].value, 0);
                csv_text(&k, set->v[j].text);
                csv_text(&k, var->has_missing && set->v[j].value == var->missing ? yes[lang] : "");
                csv_end(&k);
            }
        }
        if (fflush(m->codebook) != 0 || ferror(m->codebook))
            return -1;
    }
    return fflush(m->data) == 0 && !ferror(m->data) ? 0 : -1;
}

void mg_md_csv_sink(struct mg_md_csv *c, struct mg_md_sink *sink)
{
    *sink = (struct mg_md_sink){csv_begin, csv_row, csv_finish, c};
}

/* SPSS .sav through libreadstat. */
static ssize_t sav_write(const void *bytes, size_t len, void *ctx)
{
    int fd = *(int *)ctx;
    const char *p = bytes;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0)
            return -1;
        done += (size_t)w;
    }
    return (ssize_t)len;
}

/* The byte limits of a .sav file: libreadstat cuts longer labels at a
 * byte, maybe inside a character, so they are cut here first, at a
 * character boundary. Variable labels: libreadstat writes 256 bytes, the
 * format's documentation says 255 (PSPP's notes), so 255. A string value
 * longer than its column fails the whole file. */
#define SAV_FILE_LABEL 64
#define SAV_VALUE_LABEL 120
#define SAV_VARIABLE_LABEL 255
#define SAV_STRING_WIDTH 32767

/* The width of a string column: as wide as its longest value, within SPSS's
 * limit. */
static size_t sav_width(const struct mg_md_var *var)
{
    return var->width < 1 ? 1 : var->width > SAV_STRING_WIDTH ? SAV_STRING_WIDTH : var->width;
}

static void utf8_cut(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    s[n] = '\0';
}

static int sav_fail(struct mg_md_sav *m, readstat_error_t rc)
{
    snprintf(m->err, sizeof m->err, "cannot write %s: %s", m->path,
             rc != READSTAT_OK ? readstat_error_message(rc) : "out of memory");
    return -1;
}

static int sav_begin(void *ctx, const struct mg_microdata *md)
{
    struct mg_md_sav *m = ctx;
    char buf[512];
    m->fd = open(m->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (m->fd < 0) {
        snprintf(m->err, sizeof m->err, "cannot create %s", m->path);
        return -1;
    }
    readstat_writer_t *w = readstat_writer_init();
    readstat_variable_t **vars = calloc(md->nvars ? md->nvars : 1, sizeof *vars);
    readstat_label_set_t **sets = calloc(md->nsets ? md->nsets : 1, sizeof *sets);
    m->writer = w;
    m->vars = vars;
    m->sets = sets;
    if (!w || !vars || !sets)
        return sav_fail(m, READSTAT_OK);
    readstat_set_data_writer(w, sav_write);
    snprintf(buf, sizeof buf, "%s", md->round_name);
    utf8_cut(buf, SAV_FILE_LABEL);
    readstat_writer_set_file_label(w, buf);
    for (size_t i = 0; i < md->nsets; i++) {
        sets[i] = readstat_add_label_set(w, READSTAT_TYPE_DOUBLE, md->sets[i].name);
        for (size_t j = 0; j < md->sets[i].n; j++) {
            snprintf(buf, sizeof buf, "%s", md->sets[i].v[j].text);
            utf8_cut(buf, SAV_VALUE_LABEL);
            readstat_label_double_value(sets[i], md->sets[i].v[j].value, buf);
        }
    }
    for (size_t v = 0; v < md->nvars; v++) {
        const struct mg_md_var *var = &md->vars[v];
        vars[v] = readstat_add_variable(w, var->name, var->string ? READSTAT_TYPE_STRING : READSTAT_TYPE_DOUBLE,
                                        var->string ? sav_width(var) : 0);
        snprintf(buf, sizeof buf, "%s", var->label ? var->label : "");
        utf8_cut(buf, SAV_VARIABLE_LABEL);
        readstat_variable_set_label(vars[v], buf);
        if (!var->string) {
            readstat_variable_set_format(vars[v], var->decimals > 0 ? "F8.3" : "F8.0");
            readstat_variable_set_measure(vars[v], var->labels >= 0 ? READSTAT_MEASURE_NOMINAL
                                                                     : READSTAT_MEASURE_SCALE);
        }
        if (var->labels >= 0)
            readstat_variable_set_label_set(vars[v], sets[var->labels]);
        if (var->has_missing)
            readstat_variable_add_missing_double_value(vars[v], var->missing);
    }
    readstat_error_t rc = readstat_begin_writing_sav(w, &m->fd, (long)md->nrows);
    return rc == READSTAT_OK ? 0 : sav_fail(m, rc);
}

/* A string value, cut to its column's width (mg_microdata_export makes the
 * column as wide as the longest value; this only guards against a value
 * beyond SAV_STRING_WIDTH). */
static readstat_error_t sav_string(readstat_writer_t *w, readstat_variable_t *var, size_t width, const char *s)
{
    if (strlen(s) <= width)
        return readstat_insert_string_value(w, var, s);
    char *cut = strdup(s);
    if (!cut)
        return READSTAT_ERROR_MALLOC;
    utf8_cut(cut, width);
    readstat_error_t rc = readstat_insert_string_value(w, var, cut);
    free(cut);
    return rc;
}

static int sav_row(void *ctx, const struct mg_microdata *md, const double *cells, const char *code,
                   const char *name)
{
    struct mg_md_sav *m = ctx;
    readstat_writer_t *w = m->writer;
    readstat_variable_t **vars = m->vars;
    readstat_error_t rc = readstat_begin_row(w);
    for (size_t v = 0; v < md->nvars && rc == READSTAT_OK; v++) {
        if (md->vars[v].string)
            rc = sav_string(w, vars[v], sav_width(&md->vars[v]), v == 0 ? code : name);
        else
            rc = isfinite(cells[v]) ? readstat_insert_double_value(w, vars[v], cells[v])
                                    : readstat_insert_missing_value(w, vars[v]);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_row(w);
    return rc == READSTAT_OK ? 0 : sav_fail(m, rc);
}

static int sav_end(void *ctx, const struct mg_microdata *md)
{
    struct mg_md_sav *m = ctx;
    (void)md;
    readstat_error_t rc = readstat_end_writing(m->writer);
    return rc == READSTAT_OK ? 0 : sav_fail(m, rc);
}

void mg_md_sav_sink(struct mg_md_sav *s, struct mg_md_sink *sink)
{
    s->fd = -1;
    s->writer = s->vars = s->sets = NULL;
    s->err[0] = '\0';
    *sink = (struct mg_md_sink){sav_begin, sav_row, sav_end, s};
}

/* Frees what the .sav sink holds; removes the file when `failed`. */
void mg_md_sav_close(struct mg_md_sav *s, bool failed)
{
    if (s->writer)
        readstat_writer_free(s->writer);
    free(s->vars);
    free(s->sets);
    s->writer = s->vars = s->sets = NULL;
    if (s->fd >= 0 && close(s->fd) != 0 && !failed) {
        snprintf(s->err, sizeof s->err, "cannot write %s", s->path);
        failed = true;
    }
    s->fd = -1;
    if (failed)
        unlink(s->path);
}
