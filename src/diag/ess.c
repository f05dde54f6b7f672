/* Autocorrelation, integrated autocorrelation time, ESS (basic, bulk, tail), split R-hat and its
 * rank-normalised folded form, MCSE.
 *
 * The multi-chain ESS follows Stan's compute_effective_sample_size (BDA3 11.5, Vehtari et al.
 * 2021): biased per-chain autocovariances acov_c(t) by FFT; W = mean chain variance (n-1
 * denominators); var_plus = W (n-1)/n + var(chain means); rho(t) = 1 - (W - mean_c acov_c(t)) /
 * var_plus; pairs rho(2k) + rho(2k+1) are summed while positive (Geyer's initial positive sequence)
 * and made non-increasing (initial monotone sequence); tau = -1 + 2 sum + the last positive even
 * term; ESS = chains n / tau. Split variants halve each chain first (dropping the middle draw of an
 * odd chain), which makes ESS and R-hat sensitive to drift within a chain. */
#include "common.h"
#include "diag/diag_internal.h"
#include "gmdl/diag.h"

static size_t next_pow2(size_t n) {
    size_t m = 1;
    while (m < n)
        m <<= 1;
    return m;
}

/* Biased autocovariance acov[0..n-1] of x[0..n-1] (divided by n), by FFT with padding to >= 2n.
 * scratch: 3m doubles, m = next_pow2(2n); the twiddle table is in scratch[2m..3m) and is filled
 * when fill_tw is set (it stays valid for later calls of the same length). */
static void autocov_fft(const double *x, size_t n, double *acov, double *scratch, int fill_tw) {
    size_t m = next_pow2(2 * n);
    double *re = scratch, *im = scratch + m, *tw = scratch + 2 * m;
    if (fill_tw)
        gmdl__fft_twiddles(m, tw);
    double mean = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < m; i++) {
        re[i] = i < n ? x[i] - mean : 0.0;
        im[i] = 0.0;
    }
    gmdl__fft(re, im, m, 0, tw);
    for (size_t i = 0; i < m; i++) {
        re[i] = re[i] * re[i] + im[i] * im[i];
        im[i] = 0.0;
    }
    gmdl__fft(re, im, m, 1, tw);
    for (size_t t = 0; t < n; t++)
        acov[t] = re[t] / ((double)m * (double)n);
}

gmdl_status gmdl_diag_autocorr(double *rho, const double *x, size_t n) {
    if (!x || !rho || n < 2)
        return GMDL_EINVAL;
    size_t m = next_pow2(2 * n);
    double *re = gmdl__malloc(3 * m * sizeof(double));
    if (!re)
        return GMDL_ENOMEM;
    autocov_fft(x, n, rho, re, 1);
    gmdl__free(re);
    double a0 = rho[0];
    if (!(a0 > 0)) {
        for (size_t t = 0; t < n; t++)
            rho[t] = t == 0 ? 1.0 : 0.0;
        return GMDL_OK;
    }
    for (size_t t = 0; t < n; t++)
        rho[t] /= a0;
    return GMDL_OK;
}

/* ESS of `chains` chains of length n stored at x[c * stride + i]. When split, each chain is
 * treated as two of length n/2. *ess = chains n for a quantity with zero variance. */
static gmdl_status
ess_core(const double *x, size_t chains, size_t n, size_t stride, int split, int cap, double *ess) {
    size_t m_ch = split ? 2 * chains : chains, len = split ? n / 2 : n;
    if (len < 4)
        return GMDL_EINVAL;
    size_t m = next_pow2(2 * len);
    double *acov = gmdl__malloc(m_ch * len * sizeof(double));
    double *scratch = gmdl__malloc(3 * m * sizeof(double));
    double *cmean = gmdl__malloc(m_ch * sizeof(double));
    double *rho = gmdl__malloc(len * sizeof(double));
    double *acov_mean = gmdl__malloc(len * sizeof(double));
    gmdl_status s = GMDL_OK;
    if (!acov || !scratch || !cmean || !rho || !acov_mean) {
        s = GMDL_ENOMEM;
        goto done;
    }
    for (size_t k = 0; k < m_ch; k++) {
        /* Second halves start after the middle draw of an odd-length chain. */
        const double *xc = x + (split ? (k / 2) * stride + (k % 2) * (n - len) : k * stride);
        double mu = 0;
        for (size_t i = 0; i < len; i++)
            mu += xc[i];
        cmean[k] = mu / (double)len;
        autocov_fft(xc, len, acov + k * len, scratch, k == 0);
    }
    double mean_var = 0, grand = 0;
    for (size_t k = 0; k < m_ch; k++) {
        mean_var += acov[k * len] * (double)len / ((double)len - 1.0);
        grand += cmean[k];
    }
    mean_var /= (double)m_ch;
    grand /= (double)m_ch;
    double var_plus = mean_var * ((double)len - 1.0) / (double)len;
    if (m_ch > 1) {
        double b = 0;
        for (size_t k = 0; k < m_ch; k++)
            b += (cmean[k] - grand) * (cmean[k] - grand);
        var_plus += b / ((double)m_ch - 1.0);
    }
    double total = (double)m_ch * (double)len;
    if (!(var_plus > 0) || !(mean_var > 0)) {
        *ess = total;
        goto done;
    }
    for (size_t t = 0; t < len; t++) {
        double a = 0;
        for (size_t k = 0; k < m_ch; k++)
            a += acov[k * len + t];
        acov_mean[t] = a / (double)m_ch;
        rho[t] = 0;
    }
    double even = 1.0, odd = 1.0 - (mean_var - acov_mean[1]) / var_plus;
    rho[0] = even;
    rho[1] = odd;
    size_t t = 1;
    while (t + 4 < len && even + odd > 0) {
        even = 1.0 - (mean_var - acov_mean[t + 1]) / var_plus;
        odd = 1.0 - (mean_var - acov_mean[t + 2]) / var_plus;
        if (even + odd >= 0) {
            rho[t + 1] = even;
            rho[t + 2] = odd;
        }
        t += 2;
    }
    size_t max_t = t;
    if (even > 0)
        rho[max_t + 1] = even;
    /* Initial monotone sequence: pair sums may not increase. */
    for (size_t u = 1; u + 3 <= max_t; u += 2) {
        if (rho[u + 1] + rho[u + 2] > rho[u - 1] + rho[u]) {
            rho[u + 1] = (rho[u - 1] + rho[u]) / 2.0;
            rho[u + 2] = rho[u + 1];
        }
    }
    double sum = 0;
    for (size_t u = 0; u < max_t; u++)
        sum += rho[u];
    double tau = -1.0 + 2.0 * sum + rho[max_t + 1];
    if (cap) {
        double lo = 1.0 / log10(total);
        if (tau < lo)
            tau = lo;
    } else if (tau < 1e-12) {
        tau = 1e-12;
    }
    *ess = total / tau;
done:
    gmdl__free(acov);
    gmdl__free(scratch);
    gmdl__free(cmean);
    gmdl__free(rho);
    gmdl__free(acov_mean);
    return s;
}

gmdl_status gmdl_diag_tau(double *tau, const double *x, size_t n) {
    if (!x || !tau || n < 4)
        return GMDL_EINVAL;
    double ess;
    gmdl_status s = ess_core(x, 1, n, n, 0, 0, &ess);
    if (s == GMDL_OK)
        *tau = (double)n / ess;
    return s;
}

gmdl_status gmdl_diag_ess(double *ess, const double *x, size_t chains, size_t n) {
    if (!x || !ess || chains < 1 || n < 8)
        return GMDL_EINVAL;
    return ess_core(x, chains, n, n, 1, 1, ess);
}

typedef struct {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    double x = ((const ranked *)a)->v, y = ((const ranked *)b)->v;
    return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Rank normalisation (Vehtari et al. 2021): z[i] = Phi^-1((r_i - 3/8) / (S + 1/4)) with r_i the
 * rank of x[i] among all S draws (average ranks for ties). */
static gmdl_status rank_normalize(double *z, const double *x, size_t S) {
    ranked *r = gmdl__malloc(S * sizeof *r);
    if (!r)
        return GMDL_ENOMEM;
    for (size_t i = 0; i < S; i++) {
        r[i].v = x[i];
        r[i].i = i;
    }
    qsort(r, S, sizeof *r, cmp_ranked);
    for (size_t a = 0; a < S;) {
        size_t b = a + 1;
        while (b < S && r[b].v == r[a].v)
            b++;
        double rank = ((double)a + 1.0 + (double)b) / 2.0; /* average of 1-based ranks a+1..b */
        double zz = gmdl_diag_norm_quantile((rank - 0.375) / ((double)S + 0.25));
        for (size_t k = a; k < b; k++)
            z[r[k].i] = zz;
        a = b;
    }
    gmdl__free(r);
    return GMDL_OK;
}

gmdl_status gmdl_diag_ess_bulk(double *ess, const double *x, size_t chains, size_t n) {
    if (!x || !ess || chains < 1 || n < 8)
        return GMDL_EINVAL;
    size_t S = chains * n;
    double *z = gmdl__malloc(S * sizeof *z);
    if (!z)
        return GMDL_ENOMEM;
    gmdl_status s = rank_normalize(z, x, S);
    if (s == GMDL_OK)
        s = ess_core(z, chains, n, n, 1, 1, ess);
    gmdl__free(z);
    return s;
}

/* The q-quantile of x[S] (sorted copy in tmp[S]; linear interpolation, R type 7). */
static double quantile_of(const double *x, size_t S, double q, double *tmp) {
    memcpy(tmp, x, S * sizeof *tmp);
    qsort(tmp, S, sizeof *tmp, cmp_double);
    double h = (double)(S - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < S ? lo + 1 : lo;
    return tmp[lo] + (h - (double)lo) * (tmp[hi] - tmp[lo]);
}

gmdl_status gmdl_diag_ess_tail(double *ess, const double *x, size_t chains, size_t n) {
    if (!x || !ess || chains < 1 || n < 8)
        return GMDL_EINVAL;
    size_t S = chains * n;
    double *tmp = gmdl__malloc(2 * S * sizeof *tmp);
    if (!tmp)
        return GMDL_ENOMEM;
    double *ind = tmp + S, best = HUGE_VAL;
    static const double qs[2] = {0.05, 0.95};
    gmdl_status s = GMDL_OK;
    for (int k = 0; k < 2 && s == GMDL_OK; k++) {
        double q = quantile_of(x, S, qs[k], tmp), e = 0;
        for (size_t i = 0; i < S; i++)
            ind[i] = x[i] <= q ? 1.0 : 0.0;
        s = ess_core(ind, chains, n, n, 1, 1, &e);
        if (e < best)
            best = e;
    }
    gmdl__free(tmp);
    if (s == GMDL_OK)
        *ess = best;
    return s;
}

gmdl_status gmdl_diag_rhat_rank(double *rhat, const double *x, size_t chains, size_t n) {
    if (!x || !rhat || chains < 1 || n < 8)
        return GMDL_EINVAL;
    size_t S = chains * n;
    double *z = gmdl__malloc(2 * S * sizeof *z);
    if (!z)
        return GMDL_ENOMEM;
    double *f = z + S, r_bulk = 1, r_tail = 1;
    gmdl_status s = rank_normalize(z, x, S);
    if (s == GMDL_OK)
        s = gmdl_diag_rhat(&r_bulk, z, chains, n);
    if (s == GMDL_OK) {
        double med = quantile_of(x, S, 0.5, f);
        for (size_t i = 0; i < S; i++)
            f[i] = fabs(x[i] - med);
        memcpy(z, f, S * sizeof *z);
        s = rank_normalize(f, z, S);
    }
    if (s == GMDL_OK)
        s = gmdl_diag_rhat(&r_tail, f, chains, n);
    gmdl__free(z);
    if (s == GMDL_OK)
        *rhat = r_bulk > r_tail ? r_bulk : r_tail;
    return s;
}

gmdl_status gmdl_diag_rhat(double *rhat, const double *x, size_t chains, size_t n) {
    if (!x || !rhat || chains < 1 || n < 4)
        return GMDL_EINVAL;
    size_t m = 2 * chains, len = n / 2;
    double W = 0, grand = 0, B = 0;
    double *means = gmdl__malloc(m * sizeof(double));
    if (!means)
        return GMDL_ENOMEM;
    for (size_t k = 0; k < m; k++) {
        const double *xc = x + (k / 2) * n + (k % 2) * (n - len);
        double mu = 0, v = 0;
        for (size_t i = 0; i < len; i++)
            mu += xc[i];
        mu /= (double)len;
        for (size_t i = 0; i < len; i++)
            v += (xc[i] - mu) * (xc[i] - mu);
        W += v / ((double)len - 1.0);
        means[k] = mu;
        grand += mu;
    }
    W /= (double)m;
    grand /= (double)m;
    for (size_t k = 0; k < m; k++)
        B += (means[k] - grand) * (means[k] - grand);
    B *= (double)len / ((double)m - 1.0);
    gmdl__free(means);
    if (!(W > 0)) {
        *rhat = B > 0 ? HUGE_VAL : 1.0;
        return GMDL_OK;
    }
    double var_plus = ((double)len - 1.0) / (double)len * W + B / (double)len;
    *rhat = sqrt(var_plus / W);
    return GMDL_OK;
}

gmdl_status gmdl_diag_summarize(gmdl_diag_summary *out, const double *x, size_t chains, size_t n) {
    if (!x || !out || chains < 1 || n < 8)
        return GMDL_EINVAL;
    size_t S = chains * n;
    double mean = 0, var = 0;
    for (size_t i = 0; i < S; i++)
        mean += x[i];
    mean /= (double)S;
    for (size_t i = 0; i < S; i++)
        var += (x[i] - mean) * (x[i] - mean);
    var /= (double)S - 1.0;
    out->mean = mean;
    out->sd = sqrt(var);
    gmdl_status s = gmdl_diag_ess(&out->ess, x, chains, n);
    if (s == GMDL_OK)
        s = gmdl_diag_ess_bulk(&out->ess_bulk, x, chains, n);
    if (s == GMDL_OK)
        s = gmdl_diag_rhat(&out->rhat, x, chains, n);
    if (s == GMDL_OK)
        s = gmdl_diag_ess_tail(&out->ess_tail, x, chains, n);
    if (s == GMDL_OK)
        s = gmdl_diag_rhat_rank(&out->rhat_rank, x, chains, n);
    if (s != GMDL_OK)
        return s;
    out->tau = (double)S / out->ess;
    out->mcse = out->sd / sqrt(out->ess);
    return GMDL_OK;
}

/* Wichura (1988), Algorithm AS 241 PPND16, Applied Statistics 37(3), 477-484. */
double gmdl_diag_norm_quantile(double p) {
    if (isnan(p) || p < 0 || p > 1)
        return (double)NAN;
    if (p == 0)
        return -HUGE_VAL;
    if (p == 1)
        return HUGE_VAL;
    double q = p - 0.5, r, val;
    if (fabs(q) <= 0.425) {
        r = 0.180625 - q * q;
        val =
            q *
            (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) *
                     r +
                 45921.953931549871457) *
                    r +
                13731.693765509461125) *
                   r +
               1971.5909503065514427) *
                  r +
              133.14166789178437745) *
                 r +
             3.387132872796366608) /
            (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) *
                     r +
                 21213.794301586595867) *
                    r +
                5394.1960214247511077) *
                   r +
               687.1870074920579083) *
                  r +
              42.313330701600911252) *
                 r +
             1.0);
        return val;
    }
    r = q < 0 ? p : 1.0 - p;
    r = sqrt(-log(r));
    if (r <= 5.0) {
        r -= 1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
                    0.24178072517745061177) *
                       r +
                   1.27045825245236838258) *
                      r +
                  3.64784832476320460504) *
                     r +
                 5.7694972214606914055) *
                    r +
                4.6303378461565452959) *
                   r +
               1.42343711074968357734) /
              (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
                    0.0151986665636164571966) *
                       r +
                   0.14810397642748007459) *
                      r +
                  0.68976733498510000455) *
                     r +
                 1.6763848301838038494) *
                    r +
                2.05319162663775882187) *
                   r +
               1.0);
    } else {
        r -= 5.0;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
                    0.0012426609473880784386) *
                       r +
                   0.026532189526576123093) *
                      r +
                  0.29656057182850489123) *
                     r +
                 1.7848265399172913358) *
                    r +
                5.4637849111641143699) *
                   r +
               6.6579046435011037772) /
              (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
                    1.8463183175100546818e-5) *
                       r +
                   7.868691311456132591e-4) *
                      r +
                  0.0148753612908506148525) *
                     r +
                 0.13692988092273580531) *
                    r +
                0.59983220655588793769) *
                   r +
               1.0);
    }
    return q < 0 ? -val : val;
}
