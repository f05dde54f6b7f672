# Reference figures for bench/structure.sh from bnlearn (called by bench/structure_bnlearn.sh, which
# draws the samples and runs gmdl). Reads a manifest, one run a line, tab-separated:
#   net rows seed csv true_bif gmdl_hc_shd gmdl_hc_bic gmdl_hc_bif gmdl_pc_shd gmdl_pc_bif
# and, on the same CSV, runs bnlearn's hc(data, score = "bic"), tabu(data, score = "bic") and
# pc.stable(data, alpha = 0.01) with their defaults otherwise; prints per run the SHD between the
# CPDAGs of the learned and the true net (bnlearn's shd) next to gmdl's, then the medians per row.
# It also reads gmdl's learned BIFs and recomputes their SHD with bnlearn's shd, and gmdl's hill
# climbing BIC with bnlearn's score, and counts the runs where either disagrees with gmdl's own.
#   Rscript bench/structure_bnlearn.R MANIFEST [RLIB]
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript structure_bnlearn.R MANIFEST [RLIB]")
lib <- if (length(args) >= 2 && nzchar(args[2])) args[2] else NULL
suppressPackageStartupMessages(library(bnlearn, lib.loc = lib))

man <- read.delim(args[1], header = FALSE, stringsAsFactors = FALSE,
                  col.names = c("net", "rows", "seed", "csv", "bif", "g_hc", "g_hc_bic",
                                "g_hc_bif", "g_pc", "g_pc_bif"))

# The true net's CPDAG and the data as factors with the BIF's levels, in the CSV's column order.
read_data <- function(csv, fit) {
  d <- read.csv(csv, colClasses = "character", check.names = FALSE)
  if (!setequal(names(d), names(fit))) stop(csv, ": columns differ from the BIF's nodes")
  for (v in names(d)) {
    lv <- dimnames(fit[[v]]$prob)[[1]]
    f <- factor(d[[v]], levels = lv)
    if (anyNA(f)) stop(csv, ": column ", v, " has a value outside the BIF's states")
    d[[v]] <- f
  }
  d
}
# SHD between CPDAGs as the issue asks; shd() itself takes the CPDAGs again (idempotent).
# pc.stable's result is already partially directed; cpdag() of it keeps the unshielded
# colliders and applies Meek's rules, as shd() does internally.
shd_cpdag <- function(g, truth) shd(cpdag(g), cpdag(truth))
timed <- function(expr) {
  t <- system.time(r <- expr)[["elapsed"]]
  list(r = r, t = t)
}

cat(sprintf("bnlearn %s, %s\n", as.character(packageVersion("bnlearn")), R.version.string))
cat(sprintf("%-6s %6s %4s | %7s %7s %7s | %7s %7s | %8s %8s %8s | %5s %5s %5s\n", "net", "rows",
            "seed", "gmdl_hc", "bn_hc", "bn_tabu", "gmdl_pc", "bn_pc", "bn_hc_s", "bn_tabu_s",
            "bn_pc_s", "shdHC", "shdPC", "bic"))
res <- list()
fits <- list()
mism <- 0
for (i in seq_len(nrow(man))) {
  m <- man[i, ]
  if (is.null(fits[[m$bif]])) fits[[m$bif]] <- read.bif(m$bif)
  fit <- fits[[m$bif]]
  truth <- bn.net(fit)
  d <- read_data(m$csv, fit)
  if (!identical(names(d), names(fit)))
    cat(sprintf("note: %s: column order differs from read.bif's node order\n", m$csv))
  h <- timed(hc(d, score = "bic"))
  tb <- timed(tabu(d, score = "bic"))
  p <- timed(pc.stable(d, alpha = 0.01))
  r <- data.frame(net = m$net, rows = m$rows, seed = m$seed, g_hc = m$g_hc,
                  bn_hc = shd_cpdag(h$r, truth), bn_tabu = shd_cpdag(tb$r, truth),
                  g_pc = m$g_pc, bn_pc = shd_cpdag(p$r, truth), t_hc = h$t, t_tabu = tb$t,
                  t_pc = p$t, true_arcs = narcs(truth),
                  bic_g_hc = m$g_hc_bic, bic_bn_hc = score(h$r, d, type = "bic"),
                  bic_bn_tabu = score(tb$r, d, type = "bic"),
                  bic_true = score(truth, d, type = "bic"))
  # gmdl's learned nets, their SHD and BIC recomputed here.
  gh <- bn.net(read.bif(m$g_hc_bif))
  gp <- bn.net(read.bif(m$g_pc_bif))
  r$r_hc <- shd_cpdag(gh, truth)
  r$r_pc <- shd_cpdag(gp, truth)
  r$r_bic <- score(gh, d, type = "bic")
  ok_hc <- r$r_hc == r$g_hc
  ok_pc <- r$r_pc == r$g_pc
  ok_bic <- abs(r$r_bic - r$bic_g_hc) <= 1e-6 * abs(r$bic_g_hc)
  mism <- mism + (!ok_hc) + (!ok_pc) + (!ok_bic)
  cat(sprintf("%-6s %6d %4d | %7d %7d %7d | %7d %7d | %8.2f %8.2f %8.2f | %5s %5s %5s\n",
              r$net, r$rows, r$seed, r$g_hc, r$bn_hc, r$bn_tabu, r$g_pc, r$bn_pc, r$t_hc,
              r$t_tabu, r$t_pc, if (ok_hc) "same" else r$r_hc, if (ok_pc) "same" else r$r_pc,
              if (ok_bic) "same" else "DIFF"))
  cat(sprintf("%-6s %6d %4d   BIC: gmdl hc %.1f, bnlearn hc %.1f, tabu %.1f, true net %.1f\n",
              r$net, r$rows, r$seed, r$bic_g_hc, r$bic_bn_hc, r$bic_bn_tabu, r$bic_true))
  res[[i]] <- r
}
res <- do.call(rbind, res)

cat("\nMedian SHD over the seeds (per-seed values in brackets); SHD between CPDAGs, bnlearn's shd\n")
cat("| net (true arcs) | rows | gmdl hc | bnlearn hc | bnlearn tabu | gmdl pc 0.01 | bnlearn pc.stable 0.01 |\n")
cat("|---|---|---|---|---|---|---|\n")
cell <- function(x) sprintf("%g [%s]", median(x), paste(x, collapse = " "))
for (net in unique(res$net)) {
  for (n in unique(res$rows[res$net == net])) {
    s <- res[res$net == net & res$rows == n, ]
    s <- s[order(s$seed), ]
    cat(sprintf("| %s (%d) | %s | %s | %s | %s | %s | %s |\n", net, s$true_arcs[1],
                format(n, big.mark = ","), cell(s$g_hc), cell(s$bn_hc), cell(s$bn_tabu),
                cell(s$g_pc), cell(s$bn_pc)))
  }
}
cat("\nPer row: gmdl's median no worse than bnlearn's?\n")
for (net in unique(res$net)) {
  for (n in unique(res$rows[res$net == net])) {
    s <- res[res$net == net & res$rows == n, ]
    v <- function(a, b) sprintf("%s (%g vs %g)", if (median(a) <= median(b)) "yes" else "NO",
                                median(a), median(b))
    cat(sprintf("%-6s %6d  hc vs hc: %s  hc vs tabu: %s  pc vs pc.stable: %s\n", net, n,
                v(s$g_hc, s$bn_hc), v(s$g_hc, s$bn_tabu), v(s$g_pc, s$bn_pc)))
  }
}
cat(sprintf("\nRuns where bnlearn's shd or score of gmdl's learned net differs from gmdl's: %d\n",
            mism))
