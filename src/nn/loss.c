/* Softmax cross-entropy, row by row, numerically stable (max subtracted), loss in double.
 *   logits in [N, K], y in [N];  loss = sum_n -log softmax(logits_n)[y_n]
 *   dlogits out [N, K] = scale * (softmax - onehot(y))  (overwritten). */
#include "nn/layer.h"

double gmdl__softmax_xent(const float *logits,
                          const int32_t *y,
                          int n,
                          int k,
                          float scale,
                          float *dlogits,
                          float *probs,
                          int *correct) {
    double loss = 0.0;
    int hits = 0;
    for (int i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * k;
        int arg = 0;
        float mx = z[0];
        for (int j = 1; j < k; j++)
            if (z[j] > mx) {
                mx = z[j];
                arg = j;
            }
        double s = 0.0;
        for (int j = 0; j < k; j++)
            s += exp((double)(z[j] - mx));
        double lse = (double)mx + log(s);
        if (y)
            loss += lse - (double)z[y[i]];
        if (y && arg == y[i])
            hits++;
        for (int j = 0; j < k; j++) {
            double p = exp((double)z[j] - lse);
            if (probs)
                probs[(size_t)i * k + j] = (float)p;
            if (dlogits)
                dlogits[(size_t)i * k + j] = (float)(p - (y && j == y[i] ? 1.0 : 0.0)) * scale;
        }
    }
    if (correct)
        *correct = hits;
    return loss;
}
