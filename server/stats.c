/* stats.c: means, confidence intervals, Welch's and the paired t-test and
 * Cronbach's alpha from sufficient statistics; distributions from GSL. */
#include "mg_stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>

void mg_moments_add(struct mg_moments *into, const struct mg_moments *m)
{
    into->n += m->n;
    into->sum += m->sum;
    into->sumsq += m->sumsq;
}

double mg_stats_variance(const struct mg_moments *m)
{
    if (m->n < 2)
        return 0.0;
    double n = (double)m->n;
    double v = (m->sumsq - m->sum * m->sum / n) / (n - 1.0);
    return v > 0.0 ? v : 0.0;
}

double mg_stats_t975(double df)
{
    return gsl_cdf_tdist_Pinv(0.975, df);
}

struct mg_summary mg_stats_summary(const struct mg_moments *m)
{
    struct mg_summary s = {.n = m->n};
    if (m->n < 1)
        return s;
    s.has_mean = true;
    s.mean = m->sum / (double)m->n;
    if (m->n < 2)
        return s;
    s.has_sd = s.has_ci = true;
    s.sd = sqrt(mg_stats_variance(m));
    double half = mg_stats_t975((double)(m->n - 1)) * s.sd / sqrt((double)m->n);
    s.ci_low = s.mean - half;
    s.ci_high = s.mean + half;
    return s;
}

/* Two-sided p-value of `t` under Student's t with `df` degrees of freedom. */
static double two_sided_p(double t, double df)
{
    return 2.0 * gsl_cdf_tdist_Q(fabs(t), df);
}

struct mg_welch mg_stats_welch(const struct mg_moments *a, const struct mg_moments *b)
{
    struct mg_welch w = {0};
    if (a->n < 2 || b->n < 2)
        return w;
    double na = (double)a->n, nb = (double)b->n;
    double qa = mg_stats_variance(a) / na, qb = mg_stats_variance(b) / nb;
    w.ok = true;
    w.diff = b->sum / nb - a->sum / na;
    w.se = sqrt(qa + qb);
    if (w.se == 0.0) {
        /* No spread in either group: the difference is exact. */
        w.ci_low = w.ci_high = w.diff;
        w.df = na + nb - 2.0;
        return w;
    }
    w.df = (qa + qb) * (qa + qb) / (qa * qa / (na - 1.0) + qb * qb / (nb - 1.0));
    double half = mg_stats_t975(w.df) * w.se;
    w.ci_low = w.diff - half;
    w.ci_high = w.diff + half;
    w.t = w.diff / w.se;
    w.p = two_sided_p(w.t, w.df);
    w.has_p = true;
    return w;
}

struct mg_summary mg_stats_paired(const struct mg_moments *d, double *p, bool *has_p)
{
    struct mg_summary s = mg_stats_summary(d);
    *has_p = false;
    *p = 0.0;
    if (s.has_sd && s.sd > 0.0) {
        double t = s.mean / (s.sd / sqrt((double)d->n));
        *p = two_sided_p(t, (double)(d->n - 1));
        *has_p = true;
    }
    return s;
}

struct mg_alpha mg_stats_alpha(size_t k, const struct mg_moments *items,
                               const struct mg_moments *total)
{
    struct mg_alpha a = {0};
    if (k < 2 || total->n < 2)
        return a;
    double vt = mg_stats_variance(total), vi = 0.0;
    if (vt <= 0.0)
        return a;
    for (size_t i = 0; i < k; i++)
        vi += mg_stats_variance(&items[i]);
    a.ok = true;
    a.alpha = (double)k / (double)(k - 1) * (1.0 - vi / vt);
    return a;
}
