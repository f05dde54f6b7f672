# pbc, first 312 rows (the randomized trial), with the Mayo-model columns transformed as R's
# formula does: Rscript make_pbc.R SHARED_DIR > pbc312.csv; the fit is printed by make_ref.R.
args <- commandArgs(trailingOnly = TRUE)
pbc <- read.csv(file.path(args[1], "pbc.csv"))[1:312, ]
out <- data.frame(time = pbc$time, status = pbc$status, age = pbc$age, edema = pbc$edema,
                  log_bili = log(pbc$bili), log_albumin = log(pbc$albumin),
                  log_protime = log(pbc$protime))
write.csv(out, stdout(), row.names = FALSE)
