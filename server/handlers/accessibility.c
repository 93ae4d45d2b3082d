/* accessibility.c: the accessibility statement that Swedish and Norwegian
 * public bodies must publish, in the four languages. */
#include <stdlib.h>
#include <string.h>

#include "mg_buf.h"
#include "mg_handlers.h"
#include "mg_http.h"
#include "mg_page.h"

struct statement {
    const char *intro, *status_title, *status, *known_title, *known, *report_title, *report,
        *contact_fallback, *enforce_title, *enforce, *prepared;
};

/* %s in `report` is the contact (MOGNAD_ACCESSIBILITY_CONTACT). */
static const struct statement texts[MG_LANG_COUNT] = {
    [MG_LANG_SV] = {
        "Den här webbplatsen används för enkäter om digital kompetens. Vi vill att alla ska kunna "
        "svara, oavsett funktionsförmåga, webbläsare eller hjälpmedel.",
        "Hur tillgänglig är webbplatsen?",
        "Enkätsidorna är gjorda för att uppfylla WCAG 2.1 nivå AA. De fungerar med tangentbord, "
        "med skärmläsare, utan JavaScript och på små skärmar från 320 pixlars bredd. Språket går "
        "att byta överst på varje sida.",
        "Kända brister",
        "Vi känner inte till några brister just nu. Sidorna testas automatiskt med axe-core vid "
        "varje ändring.",
        "Rapportera ett problem",
        "Om du stöter på något som hindrar dig från att svara, kontakta %s. Berätta gärna vilken "
        "sida det gäller och vilket hjälpmedel du använder. Du kan också be om att få enkäten på "
        "papper.",
        "den som skickade inbjudan till dig",
        "Tillsyn",
        "Myndigheten för digital förvaltning (DIGG) har ansvaret för tillsynen över lagen om "
        "tillgänglighet till digital offentlig service. Om du inte är nöjd med hur vi hanterar "
        "dina synpunkter kan du anmäla det till DIGG.",
        "Redogörelsen gäller mognads enkätsidor."},
    [MG_LANG_NB] = {
        "Dette nettstedet brukes til undersøkelser om digital kompetanse. Vi vil at alle skal "
        "kunne svare, uansett funksjonsevne, nettleser eller hjelpemiddel.",
        "Hvor tilgjengelig er nettstedet?",
        "Sidene i undersøkelsen er laget for å oppfylle WCAG 2.1 nivå AA. De fungerer med "
        "tastatur, med skjermleser, uten JavaScript og på små skjermer fra 320 piksler bredde. "
        "Du kan bytte språk øverst på hver side.",
        "Kjente mangler",
        "Vi kjenner ikke til noen mangler nå. Sidene testes automatisk med axe-core ved hver endring.",
        "Meld fra om et problem",
        "Hvis noe hindrer deg i å svare, kontakt %s. Fortell gjerne hvilken side det gjelder og "
        "hvilket hjelpemiddel du bruker. Du kan også be om å få undersøkelsen på papir.",
        "den som sendte deg invitasjonen",
        "Tilsyn",
        "Tilsynet for universell utforming av IKT (Uu-tilsynet) fører tilsyn med at nettsteder "
        "er universelt utformet. Hvis du ikke er fornøyd med svaret fra oss, kan du melde fra "
        "til Uu-tilsynet.",
        "Erklæringen gjelder sidene i mognad-undersøkelsen."},
    [MG_LANG_NN] = {
        "Denne nettstaden blir brukt til undersøkingar om digital kompetanse. Vi vil at alle skal "
        "kunne svare, uansett funksjonsevne, nettlesar eller hjelpemiddel.",
        "Kor tilgjengeleg er nettstaden?",
        "Sidene i undersøkinga er laga for å oppfylle WCAG 2.1 nivå AA. Dei fungerer med "
        "tastatur, med skjermlesar, utan JavaScript og på små skjermar frå 320 pikslar breidd. "
        "Du kan byte språk øvst på kvar side.",
        "Kjende manglar",
        "Vi kjenner ikkje til nokon manglar no. Sidene blir testa automatisk med axe-core ved "
        "kvar endring.",
        "Meld frå om eit problem",
        "Om noko hindrar deg i å svare, kontakt %s. Fortel gjerne kva side det gjeld og kva "
        "hjelpemiddel du bruker. Du kan også be om å få undersøkinga på papir.",
        "den som sende deg invitasjonen",
        "Tilsyn",
        "Tilsynet for universell utforming av IKT (Uu-tilsynet) fører tilsyn med at nettstader "
        "er universelt utforma. Om du ikkje er nøgd med svaret frå oss, kan du melde frå til "
        "Uu-tilsynet.",
        "Erklæringa gjeld sidene i mognad-undersøkinga."},
    [MG_LANG_EN] = {
        "This website is used for surveys of digital competence. We want everyone to be able to "
        "answer, whatever their abilities, browser or assistive technology.",
        "How accessible is this website?",
        "The survey pages are built to meet WCAG 2.1 level AA. They work with a keyboard, with a "
        "screen reader, without JavaScript and on small screens from 320 pixels wide. You can "
        "change the language at the top of every page.",
        "Known problems",
        "We know of no problems at the moment. The pages are tested automatically with axe-core "
        "at every change.",
        "Report a problem",
        "If anything stops you from answering, contact %s. Please tell us which page it is and "
        "what assistive technology you use. You can also ask for the survey on paper.",
        "the person who sent you the invitation",
        "Enforcement",
        "In Sweden the Agency for Digital Government (DIGG), and in Norway the Authority for "
        "Universal Design of ICT (Uu-tilsynet), supervise the accessibility of public websites. "
        "If you are not satisfied with our answer, you can report it to them.",
        "This statement covers the mognad survey pages."},
};

enum MHD_Result mg_handle_accessibility(struct mg_request *req)
{
    bool remember;
    enum mg_lang lang = mg_page_lang(req, MG_LANG_SV, &remember);
    const struct statement *t = &texts[lang];
    const char *contact = getenv("MOGNAD_ACCESSIBILITY_CONTACT");
    struct mg_buf b = {0}, report = {0};

    mg_page_open(&b, lang, mg_t(lang, MSG_ACCESSIBILITY), "/accessibility");
    mg_buf_printf(&b, "<h1>%s</h1>\n<p>%s</p>\n<h2>%s</h2>\n<p>%s</p>\n<h2>%s</h2>\n<p>%s</p>\n<h2>%s</h2>\n<p>",
                  mg_t(lang, MSG_ACCESSIBILITY), t->intro, t->status_title, t->status, t->known_title,
                  t->known, t->report_title);
    /* The contact is configuration, so it is escaped like any other text. */
    mg_buf_html(&report, contact && *contact ? contact : t->contact_fallback);
    const char *mark = strstr(t->report, "%s");
    mg_buf_append(&b, t->report, (size_t)(mark - t->report));
    mg_buf_puts(&b, report.data ? report.data : "");
    mg_buf_puts(&b, mark + 2);
    mg_buf_printf(&b, "</p>\n<h2>%s</h2>\n<p>%s</p>\n<p>%s</p>\n", t->enforce_title, t->enforce, t->prepared);
    mg_buf_free(&report);
    mg_page_close(&b, lang);
    return mg_page_reply(req, 200, &b, lang, remember, NULL);
}
