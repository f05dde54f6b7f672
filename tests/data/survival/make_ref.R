# Reference values for tests/test_survival.c, from R's survival package (deterministic).
# Run: Rscript tests/data/survival/make_ref.R tests/data/survival > tests/data/survival/ref_R.txt
suppressMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args)) args[1] else "."
options(digits = 12)
cat("survival", as.character(packageVersion("survival")), "\n")
p <- function(tag, v) cat(tag, formatC(v, digits = 12, format = "g"), "\n")
show_fit <- function(tag, f) {
  s <- summary(f)$coefficients
  p(paste0(tag, ".coef"), coef(f)); p(paste0(tag, ".se"), s[, "se(coef)"])
  p(paste0(tag, ".z"), s[, "z"]); p(paste0(tag, ".p"), s[, "Pr(>|z|)"])
  p(paste0(tag, ".loglik"), f$loglik)
  lrt <- 2 * diff(f$loglik); p(paste0(tag, ".lrt"), c(lrt, pchisq(lrt, length(coef(f)), lower.tail = FALSE)))
  cc <- concordance(f)
  p(paste0(tag, ".concordance"), c(cc$concordance, cc$count[1:5]))
}
rossi <- read.csv(file.path(dir, "rossi.csv"))
f <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi)
show_fit("rossi.efron", f)
fb <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data = rossi, ties = "breslow")
show_fit("rossi.breslow", fb)
lung <- read.csv(file.path(dir, "lung.csv"))
show_fit("lung.efron", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung))
show_fit("lung.breslow", coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, ties = "breslow"))
vet <- read.csv(file.path(dir, "veteran.csv"))
vet$celltype <- factor(vet$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
show_fit("veteran.efron", coxph(Surv(time, status) ~ trt + celltype + karno + diagtime + age + prior, data = vet))
cc <- concordance(Surv(time, status) ~ age, data = lung, reverse = TRUE)
p("lung.age.concordance", c(cc$concordance, cc$count[1:5]))
km <- survfit(Surv(time, status) ~ 1, data = lung)
sk <- summary(km)
p("lung.km.time", sk$time); p("lung.km.nrisk", sk$n.risk); p("lung.km.surv", sk$surv)
p("lung.km.se", sk$std.err); p("lung.km.median", summary(km)$table["median"])
# a small example with many ties: partial log-likelihood at fixed coefficients
tie <- data.frame(t = c(1, 1, 1, 2, 2, 3, 3, 3, 3, 4), e = c(1, 1, 0, 1, 1, 1, 1, 1, 0, 1),
                  x = c(0.5, -1, 2, 0, 1, -0.5, 0.3, 1.2, -2, 0.7))
for (ties in c("efron", "breslow")) {
  ft <- coxph(Surv(t, e) ~ x, data = tie, ties = ties, init = 0.4, iter.max = 0)
  p(paste0("tie.", ties, ".loglik_at_0.4"), ft$loglik[2])
}
# pbc (first 312 rows, transformed columns written by make_pbc.R), event = status 2
pbc <- read.csv(file.path(dir, "pbc312.csv"))
show_fit("pbc.efron", coxph(Surv(time, status == 2) ~ age + edema + log_bili + log_albumin + log_protime, data = pbc))
