/* mg_stats.h: the statistics of the indicators, from sufficient statistics
 * (count, sum, sum of squares), with no I/O. docs/indicators.md states
 * every formula in plain words; t quantiles and p-values come from GSL. */
#ifndef MG_STATS_H
#define MG_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Count, sum and sum of squares of a set of values. */
struct mg_moments {
    int64_t n;
    double sum;
    double sumsq;
};

/* Mean, standard deviation and the t-based 95% confidence interval of the
 * mean. `has_sd` is false below two values, `has_ci` too; `has_mean`
 * false for none. */
struct mg_summary {
    int64_t n;
    bool has_mean, has_sd, has_ci;
    double mean, sd, ci_low, ci_high;
};

/* Difference of two independent means (b minus a) with Welch's test. */
struct mg_welch {
    bool ok;      /* both groups have two or more values */
    bool has_p;   /* false when both variances are zero */
    double diff, se, df, ci_low, ci_high, t, p;
};

/* Cronbach's alpha of `k` items over `n` complete cases. */
struct mg_alpha {
    bool ok; /* false below two items, two cases, or a total without variance */
    double alpha;
};

void mg_moments_add(struct mg_moments *into, const struct mg_moments *m);

/* The sample variance (denominator n - 1) of `m`; 0 when n < 2. Rounding
 * below zero is clamped to zero. */
double mg_stats_variance(const struct mg_moments *m);

/* The two-sided 95% quantile of Student's t with `df` degrees of freedom
 * (df > 0, not necessarily whole). */
double mg_stats_t975(double df);

/* The summary of `m`. */
struct mg_summary mg_stats_summary(const struct mg_moments *m);

/* Welch's unequal-variance comparison of `b` against `a`: difference of
 * means, its 95% confidence interval with Welch-Satterthwaite degrees of
 * freedom, and the two-sided p-value. */
struct mg_welch mg_stats_welch(const struct mg_moments *a, const struct mg_moments *b);

/* Paired change from the moments of the within-person differences `d`:
 * mean change with its 95% CI (the summary of `d`), and the two-sided
 * p-value of the paired t-test in *p (*has_p false when it has none). */
struct mg_summary mg_stats_paired(const struct mg_moments *d, double *p, bool *has_p);

/* Cronbach's alpha from `k` item moments and the moments of the item
 * total, all over the same complete cases. */
struct mg_alpha mg_stats_alpha(size_t k, const struct mg_moments *items,
                               const struct mg_moments *total);

#endif
