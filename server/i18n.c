/* i18n.c: the user-interface texts in Swedish, Bokmål, Nynorsk and English. */
#include "mg_i18n.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const codes[MG_LANG_COUNT] = {"sv", "nb", "nn", "en"};
static const char *const names[MG_LANG_COUNT] = {"Svenska", "Norsk bokmål", "Norsk nynorsk", "English"};

/* One row per message: sv, nb, nn, en. */
static const char *const texts[MSG_COUNT][MG_LANG_COUNT] = {
    [MSG_SITE_NAME] = {"Digital kompetens", "Digital kompetanse", "Digital kompetanse", "Digital competence"},
    [MSG_SKIP_TO_CONTENT] = {"Hoppa till innehållet", "Hopp til innholdet", "Hopp til innhaldet", "Skip to content"},
    [MSG_LANGUAGE] = {"Språk", "Språk", "Språk", "Language"},
    [MSG_ACCESSIBILITY] = {"Tillgänglighetsredogörelse", "Tilgjengelighetserklæring", "Tilgjengeerklæring",
                           "Accessibility statement"},
    [MSG_WELCOME_WHY] = {
        "Enkäten kartlägger hur du ser på din digitala kompetens i arbetet. Resultaten hjälper "
        "organisationen att se var vi är starka och var vi behöver stöd och utbildning.",
        "Undersøkelsen kartlegger hvordan du vurderer din digitale kompetanse i jobben. Resultatene "
        "hjelper organisasjonen å se hvor vi står sterkt, og hvor vi trenger støtte og opplæring.",
        "Undersøkinga kartlegg korleis du vurderer den digitale kompetansen din i jobben. Resultata "
        "hjelper organisasjonen å sjå kvar vi står sterkt, og kvar vi treng støtte og opplæring.",
        "This survey maps how you rate your own digital competence at work. The results help the "
        "organisation see where we are strong and where we need support and training."},
    [MSG_WELCOME_WHO_SEES] = {
        "Ingen kan se hur just du har svarat. Din chef och HR ser bara sammanställda resultat för grupper.",
        "Ingen kan se hva akkurat du har svart. Lederen din og HR ser bare samlede resultater for grupper.",
        "Ingen kan sjå kva akkurat du har svart. Leiaren din og HR ser berre samla resultat for grupper.",
        "Nobody can see how you in particular answered. Your manager and HR only see combined results for groups."},
    [MSG_WELCOME_GROUP_SIZE] = {
        "Resultat visas aldrig för en grupp med färre än %d svar.",
        "Resultater vises aldri for en gruppe med færre enn %d svar.",
        "Resultat blir aldri viste for ei gruppe med færre enn %d svar.",
        "Results are never shown for a group with fewer than %d responses."},
    [MSG_WELCOME_TIME] = {"Det tar ungefär %d minuter att svara.", "Det tar omtrent %d minutter å svare.",
                          "Det tek om lag %d minutt å svare.", "It takes about %d minutes to answer."},
    [MSG_WELCOME_SAVED] = {
        "Dina svar sparas när du går vidare till nästa sida, så du kan ta en paus och fortsätta senare med samma länk.",
        "Svarene dine lagres når du går videre til neste side, så du kan ta en pause og fortsette senere med den samme lenken.",
        "Svara dine blir lagra når du går vidare til neste side, så du kan ta ein pause og halde fram seinare med den same lenkja.",
        "Your answers are saved when you go on to the next page, so you can take a break and continue later with the same link."},
    [MSG_WELCOME_REVISE] = {"Du kan ändra dina svar fram till och med %s.", "Du kan endre svarene dine til og med %s.",
                            "Du kan endre svara dine til og med %s.", "You can change your answers until and including %s."},
    [MSG_START] = {"Börja", "Start", "Start", "Start"},
    [MSG_CONTINUE] = {"Fortsätt", "Fortsett", "Hald fram", "Continue"},
    [MSG_PAGE_OF] = {"Sida %d av %d", "Side %d av %d", "Side %d av %d", "Page %d of %d"},
    [MSG_PAGES] = {"Enkätens sidor", "Sidene i undersøkelsen", "Sidene i undersøkinga", "Pages of the survey"},
    [MSG_NEXT] = {"Nästa", "Neste", "Neste", "Next"},
    [MSG_BACK] = {"Tillbaka", "Tilbake", "Tilbake", "Back"},
    [MSG_TO_REVIEW] = {"Granska dina svar", "Se over svarene", "Sjå over svara", "Review your answers"},
    [MSG_ERROR_SUMMARY] = {"Något behöver rättas", "Noe må rettes", "Noko må rettast", "There is a problem"},
    [MSG_ANSWER_REQUIRED] = {"Välj ett svar", "Velg et svar", "Vel eit svar", "Choose an answer"},
    [MSG_OPTIONAL] = {"(frivillig)", "(frivillig)", "(frivillig)", "(optional)"},
    [MSG_REVIEW_TITLE] = {"Granska dina svar", "Se over svarene dine", "Sjå over svara dine", "Check your answers"},
    [MSG_REVIEW_INTRO] = {
        "Kontrollera dina svar innan du skickar in dem. Välj Ändra för att gå tillbaka till en sida.",
        "Sjekk svarene før du sender dem inn. Velg Endre for å gå tilbake til en side.",
        "Sjekk svara før du sender dei inn. Vel Endre for å gå tilbake til ei side.",
        "Check your answers before you send them. Choose Change to go back to a page."},
    [MSG_CHANGE] = {"Ändra", "Endre", "Endre", "Change"},
    [MSG_NOT_ANSWERED] = {"Inte besvarad", "Ikke besvart", "Ikkje svara på", "Not answered"},
    [MSG_SUBMIT] = {"Skicka svaren", "Send inn svarene", "Send inn svara", "Send your answers"},
    [MSG_THANKS_TITLE] = {"Tack för dina svar!", "Takk for svarene dine!", "Takk for svara dine!",
                          "Thank you for your answers!"},
    [MSG_THANKS_TEXT] = {"Dina svar är mottagna.", "Vi har tatt imot svarene dine.", "Vi har teke imot svara dine.",
                         "We have received your answers."},
    [MSG_PROFILE_TITLE] = {"Din kompetensprofil", "Kompetanseprofilen din", "Kompetanseprofilen din",
                           "Your competence profile"},
    [MSG_PROFILE_INTRO] = {"Profilen bygger på dina egna svar och visas bara för dig.",
                           "Profilen bygger på dine egne svar og vises bare for deg.",
                           "Profilen byggjer på dine eigne svar og blir berre vist for deg.",
                           "The profile is based on your own answers and is shown only to you."},
    [MSG_INDEX] = {"Digitalt kompetensindex", "Digital kompetanseindeks", "Digital kompetanseindeks",
                   "Digital competence index"},
    [MSG_LEVEL] = {"Nivå", "Nivå", "Nivå", "Level"},
    [MSG_AREA] = {"Område", "Område", "Område", "Area"},
    [MSG_SCORE] = {"Poäng (0–100)", "Poeng (0–100)", "Poeng (0–100)", "Score (0–100)"},
    [MSG_NO_SCORE] = {"För få svar", "For få svar", "For få svar", "Too few answers"},
    [MSG_SUGGESTIONS_TITLE] = {"Förslag för dig", "Forslag til deg", "Forslag til deg", "Suggestions for you"},
    [MSG_SUGGESTIONS_INTRO] = {"Här är förslag för de områden där du har mest att vinna.",
                               "Her er forslag for områdene der du har mest å hente.",
                               "Her er forslag for områda der du har mest å hente.",
                               "Here are suggestions for the areas where you have the most to gain."},
    [MSG_PRINT] = {"Skriv ut profilen", "Skriv ut profilen", "Skriv ut profilen", "Print the profile"},
    [MSG_PROFILE_CHART] = {"Dina poäng per område", "Poengene dine per område", "Poenga dine per område",
                           "Your scores by area"},
    [MSG_PROFILE_TABLE] = {"Dina poäng per område i tabellform", "Poengene dine per område i tabellform",
                           "Poenga dine per område i tabellform", "Your scores by area as a table"},
    [MSG_PROFILE_ANON_NOTE] = {
        "Enkäten är anonym, så profilen visas bara nu. Skriv ut den om du vill spara den.",
        "Undersøkelsen er anonym, så profilen vises bare nå. Skriv den ut hvis du vil ta vare på den.",
        "Undersøkinga er anonym, så profilen blir berre vist no. Skriv han ut om du vil ta vare på han.",
        "The survey is anonymous, so the profile is only shown now. Print it if you want to keep it."},
    [MSG_CLOSED_TITLE] = {"Enkäten är stängd", "Undersøkelsen er stengt", "Undersøkinga er stengd",
                          "The survey has closed"},
    [MSG_CLOSED_TEXT] = {"Det går inte längre att svara. Tack för ditt intresse!",
                         "Det er ikke lenger mulig å svare. Takk for interessen!",
                         "Det er ikkje lenger mogleg å svare. Takk for interessa!",
                         "It is no longer possible to answer. Thank you for your interest!"},
    [MSG_NOT_OPEN_TITLE] = {"Enkäten har inte öppnat än", "Undersøkelsen har ikke åpnet ennå",
                            "Undersøkinga har ikkje opna enno", "The survey has not opened yet"},
    [MSG_NOT_OPEN_TEXT] = {"Du kan svara från och med %s. Använd samma länk då.",
                           "Du kan svare fra og med %s. Bruk den samme lenken da.",
                           "Du kan svare frå og med %s. Bruk den same lenkja då.",
                           "You can answer from %s. Use the same link then."},
    [MSG_USED_TITLE] = {"Du har redan svarat", "Du har allerede svart", "Du har alt svart", "You have already answered"},
    [MSG_USED_TEXT] = {
        "Länken har redan använts för att skicka in svar. Varje länk kan bara användas en gång.",
        "Lenken er allerede brukt til å sende inn svar. Hver lenke kan bare brukes én gang.",
        "Lenkja er alt brukt til å sende inn svar. Kvar lenkje kan berre brukast éin gong.",
        "This link has already been used to send answers. Each link can be used only once."},
    [MSG_BAD_LINK_TITLE] = {"Länken fungerar inte", "Lenken virker ikke", "Lenkja verkar ikkje", "The link does not work"},
    [MSG_BAD_LINK_TEXT] = {
        "Kontrollera att du har kopierat hela länken från inbjudan. Kontakta den som skickade inbjudan om det fortfarande inte fungerar.",
        "Sjekk at du har kopiert hele lenken fra invitasjonen. Kontakt den som sendte invitasjonen hvis det fortsatt ikke virker.",
        "Sjekk at du har kopiert heile lenkja frå invitasjonen. Kontakt den som sende invitasjonen om det framleis ikkje verkar.",
        "Check that you copied the whole link from the invitation. If it still does not work, contact whoever sent the invitation."},
    [MSG_NO_SESSION_TITLE] = {"Öppna enkäten med din länk", "Åpne undersøkelsen med lenken din",
                              "Opne undersøkinga med lenkja di", "Open the survey with your link"},
    [MSG_NO_SESSION_TEXT] = {
        "Vi hittar ingen påbörjad enkät i den här webbläsaren. Öppna länken i din inbjudan igen.",
        "Vi finner ingen påbegynt undersøkelse i denne nettleseren. Åpne lenken i invitasjonen på nytt.",
        "Vi finn inga påbyrja undersøking i denne nettlesaren. Opne lenkja i invitasjonen på nytt.",
        "We cannot find a survey in progress in this browser. Open the link in your invitation again."},
    [MSG_CONTINUE_TO_SURVEY] = {"Gå till enkäten", "Gå til undersøkelsen", "Gå til undersøkinga", "Go to the survey"},
    [MSG_ERROR_TITLE] = {"Något gick fel", "Noe gikk galt", "Noko gjekk gale", "Something went wrong"},
    [MSG_SAVED_DRAFT] = {"Svaren är sparade.", "Svarene er lagret.", "Svara er lagra.", "Your answers are saved."},
    [MSG_REVIEW_MISSING] = {"%d frågor är inte besvarade. Svara på dem innan du skickar in.",
                            "%d spørsmål er ikke besvart. Svar på dem før du sender inn.",
                            "%d spørsmål er ikkje svara på. Svar på dei før du sender inn.",
                            "%d questions are not answered. Answer them before you send your answers."},
    [MSG_REVISE_NOTE] = {"Du kan ändra dina svar med samma länk fram till %s. Det är de senaste svaren som räknas.",
                         "Du kan endre svarene dine med den samme lenken fram til %s. Det er de siste svarene som teller.",
                         "Du kan endre svara dine med den same lenkja fram til %s. Det er dei siste svara som tel.",
                         "You can change your answers with the same link until %s. Your latest answers are the ones that count."},
    [MSG_DONE_TEXT] = {"Dina svar är mottagna och enkäten är avslutad för din del. Tack för att du tog dig tid!",
                       "Vi har tatt imot svarene dine, og du er ferdig med undersøkelsen. Takk for at du tok deg tid!",
                       "Vi har teke imot svara dine, og du er ferdig med undersøkinga. Takk for at du tok deg tid!",
                       "We have received your answers and you have finished the survey. Thank you for taking the time!"},
    [MSG_SHOW_PROFILE] = {"Visa min profil", "Vis profilen min", "Vis profilen min", "Show my profile"},
    [MSG_CHANGE_ANSWERS] = {"Ändra mina svar", "Endre svarene mine", "Endre svara mine", "Change my answers"},
    [MSG_INDEX_EXPLAINED] = {"Indexet går från 0 till 100 och väger samman dina poäng i områdena om din egen kompetens.",
                             "Indeksen går fra 0 til 100 og veier sammen poengene dine i områdene om din egen kompetanse.",
                             "Indeksen går frå 0 til 100 og vektar saman poenga dine i områda om din eigen kompetanse.",
                             "The index runs from 0 to 100 and combines your scores in the areas about your own competence."},
    [MSG_NO_INDEX] = {"Du har för få svar för att vi ska kunna räkna fram ett index.",
                      "Du har for få svar til at vi kan regne ut en indeks.",
                      "Du har for få svar til at vi kan rekne ut ein indeks.",
                      "You have too few answers for us to work out an index."},
    [MSG_YOUR_LEVEL] = {"Din nivå: %s", "Nivået ditt: %s", "Nivået ditt: %s", "Your level: %s"},
    [MSG_ORG_TITLE] = {"Din enhet, som du ser den", "Enheten din, slik du ser den", "Eininga di, slik du ser henne",
                       "Your unit, as you see it"},
    [MSG_ORG_INTRO] = {"De här områdena beskriver din enhets digitala mognad och ingår inte i ditt personliga index.",
                       "Disse områdene beskriver den digitale modenheten i enheten din og inngår ikke i den personlige indeksen din.",
                       "Desse områda skildrar den digitale modninga i eininga di og er ikkje med i den personlege indeksen din.",
                       "These areas describe your unit's digital maturity and are not part of your personal index."},
    [MSG_STAIRCASE] = {"Kompetenstrappan", "Kompetansetrappen", "Kompetansetrappa", "The competence staircase"},
    [MSG_PRINT_HINT] = {"Använd webbläsarens utskrift för att skriva ut profilen eller spara den som PDF.",
                        "Bruk utskriftsfunksjonen i nettleseren for å skrive ut profilen eller lagre den som PDF.",
                        "Bruk utskriftsfunksjonen i nettlesaren for å skrive ut profilen eller lagre han som PDF.",
                        "Use your browser's print function to print the profile or save it as a PDF."},
};

const char *mg_lang_code(enum mg_lang lang) { return lang < MG_LANG_COUNT ? codes[lang] : "sv"; }
const char *mg_lang_name(enum mg_lang lang) { return lang < MG_LANG_COUNT ? names[lang] : names[0]; }

bool mg_lang_parse(const char *s, enum mg_lang *out)
{
    for (int i = 0; s && i < MG_LANG_COUNT; i++)
        if (strcmp(s, codes[i]) == 0) {
            *out = (enum mg_lang)i;
            return true;
        }
    return false;
}

/* Maps one language range of Accept-Language ("nb-NO", "no", "sv-FI",
 * "en-GB") to ours; false for the others. */
static bool range_lang(const char *s, size_t len, enum mg_lang *out)
{
    char primary[9];
    size_t n = 0;
    while (n < len && n < sizeof primary - 1 && isalpha((unsigned char)s[n])) {
        primary[n] = (char)tolower((unsigned char)s[n]);
        n++;
    }
    primary[n] = '\0';
    if (strcmp(primary, "no") == 0 || strcmp(primary, "nb") == 0)
        *out = MG_LANG_NB;
    else if (strcmp(primary, "nn") == 0)
        *out = MG_LANG_NN;
    else if (strcmp(primary, "sv") == 0)
        *out = MG_LANG_SV;
    else if (strcmp(primary, "en") == 0)
        *out = MG_LANG_EN;
    else
        return false;
    return true;
}

enum mg_lang mg_lang_negotiate(const char *header, enum mg_lang fallback)
{
    enum mg_lang best = fallback;
    double best_q = 0.0;

    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        double q = 1.0;
        const char *semi = memchr(p, ';', len);
        if (semi) {
            const char *qs = strstr(semi, "q=");
            if (qs && qs < p + len)
                q = strtod(qs + 2, NULL);
        }
        enum mg_lang l;
        if (q > best_q && range_lang(p, semi ? (size_t)(semi - p) : len, &l)) {
            best = l;
            best_q = q;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return best;
}

const char *mg_t(enum mg_lang lang, enum mg_msg msg)
{
    if (lang >= MG_LANG_COUNT || msg >= MSG_COUNT || !texts[msg][lang])
        return "";
    return texts[msg][lang];
}
