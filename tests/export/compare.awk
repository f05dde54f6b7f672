# Compares the per-image CSV of gmdl predict (first file: index, label, pred, p0..) with an
# exported net's harness (second file: index, pred, p0..). Prints one line:
#   n=N mismatch=M maxdiff=D err_ref=E1 err_exp=E2
# (classes that differ, the largest |probability difference|, both test errors in percent).
BEGIN { FS = "," }
FNR == 1 {
    for (i = 1; i <= NF; i++)
        if (NR == 1) ca[$i] = i; else cb[$i] = i
    next
}
NR == FNR {
    pa[FNR] = $ca["pred"]; la[FNR] = $ca["label"]
    for (k = 0; ("p" k) in ca; k++) qa[FNR, k] = $ca["p" k]
    K = k
    next
}
{
    n++
    if (!(FNR in pa)) { extra++; next }
    mismatch += $cb["pred"] != pa[FNR]
    ea += pa[FNR] != la[FNR]
    eb += $cb["pred"] != la[FNR]
    for (k = 0; k < K; k++) {
        d = $cb["p" k] - qa[FNR, k]
        if (d < 0) d = -d
        if (d > md) md = d
    }
}
END {
    if (n == 0 || extra) { print "n=0 mismatch=-1 maxdiff=1 err_ref=0 err_exp=0"; exit }
    printf "n=%d mismatch=%d maxdiff=%.3g err_ref=%.2f err_exp=%.2f\n", n, mismatch, md, 100 * ea / n, 100 * eb / n
}
