#!/usr/bin/env Rscript
# Reference vectors for CemCore.Forecasting (issue 11), written next to this script.
# Run from this folder: Rscript arima_reference.R   (Debian r-base-core + r-cran-forecast)
# Writes:
#   <series>.csv            period,value  (the input series, CLI format)
#   promo_<series>.csv      period        (promotion periods for the xreg cases)
#   arima_cases.csv         case,series,p,d,q,P,D,Q,s,log,drift,promo,horizon
#   arima_reference.csv     case,kind,key,value  (kind: coef, se, stat, mean, predse)
#   auto_reference.csv      series,s,p,d,q,P,D,Q,drift,aicc
# All fits are stats::arima(method = "ML") with its defaults (transform.pars = TRUE, kappa = 1e6, SSinit = "Gardner1980");
# aicc and bic as forecast computes them: k = #coef + 1, n* = n - d - D*s.
suppressPackageStartupMessages(library(forecast))
options(digits = 17)
out <- function(...) paste0(...)

fmt_period <- function(x) {
  t <- time(x)
  if (frequency(x) == 12) sprintf("%04d-%02d", as.integer(floor(t + 1e-9)), as.integer(round((t - floor(t + 1e-9)) * 12)) + 1L)
  else if (frequency(x) == 1) sprintf("%04d-01-01", as.integer(round(t)))
  else stop("unsupported frequency")
}

write_series <- function(name, x) {
  write.csv(data.frame(period = fmt_period(x), value = sprintf("%.10g", as.numeric(x))), paste0(name, ".csv"), row.names = FALSE, quote = FALSE)
}

# Synthetic weekly-style store series with a promotion (seeded), expressed as a yearly-indexed ts of daily dates.
set.seed(20261204)
n_syn <- 120
promo_idx <- c(30:33, 70:73, 100:103)
promo <- rep(0, n_syn); promo[promo_idx] <- 1
e <- arima.sim(list(ar = 0.6, ma = 0.3), n = n_syn, sd = 4)
syn <- 200 + 25 * promo + as.numeric(e)
syn_dates <- format(seq(as.Date("2024-01-01"), by = "week", length.out = n_syn))
write.csv(data.frame(period = syn_dates, value = sprintf("%.10g", syn)), "store.csv", row.names = FALSE, quote = FALSE)
write.csv(data.frame(period = syn_dates[promo_idx]), "promo_store.csv", row.names = FALSE, quote = FALSE)
# Trend series for drift with d = 1.
syn2 <- 50 + cumsum(0.8 + as.numeric(arima.sim(list(ar = 0.5), n = n_syn, sd = 1)))
write.csv(data.frame(period = syn_dates, value = sprintf("%.10g", syn2)), "trend.csv", row.names = FALSE, quote = FALSE)

series <- list(
  air = AirPassengers, lakehuron = LakeHuron, nile = Nile, usaccdeaths = USAccDeaths, wwwusage = NULL,
  store = syn, trend = syn2)
write_series("air", AirPassengers)
write_series("lakehuron", LakeHuron)
write_series("nile", Nile)
write_series("usaccdeaths", USAccDeaths)
# WWWusage is indexed 1..100 (minutes): written with made-up consecutive monthly periods from 2000-01.
www <- ts(as.numeric(WWWusage), start = c(2000, 1), frequency = 12)
write_series("wwwusage", www)
# Long series (R's approximation rule n > 150 applies in auto.arima): nottem (monthly, n = 240), sunspot.year (annual, n = 289).
write_series("nottem", nottem)
write_series("sunspots", sunspot.year)

cases <- data.frame(
  case    = c("airline_log", "air_211_010", "lakehuron_ar2", "nile_111", "usacc_011_011", "www_310", "www_111",
              "store_arma11_promo", "store_ar1", "trend_drift", "air_100_010_mean", "usacc_log_101_011", "lakehuron_arma11"),
  series  = c("air", "air", "lakehuron", "nile", "usaccdeaths", "wwwusage", "wwwusage",
              "store", "store", "trend", "air", "usaccdeaths", "lakehuron"),
  p = c(0, 2, 2, 1, 0, 3, 1, 1, 1, 1, 1, 1, 1),
  d = c(1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0),
  q = c(1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1),
  P = c(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
  D = c(1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0),
  Q = c(1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0),
  s = c(12, 12, 1, 1, 12, 1, 1, 1, 1, 1, 12, 12, 1),
  log = c(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0),
  drift = c(0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0),
  promo = c(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
  horizon = 12, stringsAsFactors = FALSE)
# A seasonal-AR case (SARIMA with sar1/sma1 both estimated) on the log airline data.
cases <- rbind(cases, data.frame(case = "airline_log_sar", series = "air", p = 1, d = 1, q = 0, P = 1, D = 1, Q = 1, s = 12,
                                 log = 1, drift = 0, promo = 0, horizon = 24))
write.csv(cases, "arima_cases.csv", row.names = FALSE, quote = FALSE)

getx <- function(name) switch(name, air = AirPassengers, lakehuron = LakeHuron, nile = Nile, usaccdeaths = USAccDeaths,
                               wwwusage = www, store = syn, trend = syn2)

rows <- list()
add <- function(case, kind, key, value) rows[[length(rows) + 1L]] <<- data.frame(case = case, kind = kind, key = key, value = sprintf("%.15g", value))
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  x <- as.numeric(getx(cs$series))
  if (cs$log == 1) x <- log(x)
  n <- length(x)
  xreg <- NULL
  if (cs$drift == 1) xreg <- cbind(drift = seq_len(n))
  if (cs$promo == 1) xreg <- cbind(promo = promo)
  fit <- stats::arima(x, order = c(cs$p, cs$d, cs$q), seasonal = list(order = c(cs$P, cs$D, cs$Q), period = cs$s),
                      xreg = xreg, method = "ML")
  k <- length(fit$coef) + 1
  nstar <- n - cs$d - cs$D * cs$s
  aicc <- fit$aic + 2 * k * (k + 1) / (nstar - k - 1)
  bic <- fit$aic + k * (log(nstar) - 2)
  for (nm in names(fit$coef)) {
    add(cs$case, "coef", nm, fit$coef[[nm]])
    add(cs$case, "se", nm, sqrt(fit$var.coef[nm, nm]))
  }
  add(cs$case, "stat", "sigma2", fit$sigma2)
  add(cs$case, "stat", "loglik", fit$loglik)
  add(cs$case, "stat", "aic", fit$aic)
  add(cs$case, "stat", "aicc", aicc)
  add(cs$case, "stat", "bic", bic)
  add(cs$case, "stat", "nobs", fit$nobs)
  add(cs$case, "stat", "code", fit$code)
  newx <- NULL
  if (cs$drift == 1) newx <- cbind(drift = n + seq_len(cs$horizon))
  if (cs$promo == 1) newx <- cbind(promo = rep(0, cs$horizon))
  pr <- predict(fit, n.ahead = cs$horizon, newxreg = newx)
  for (h in seq_len(cs$horizon)) {
    add(cs$case, "mean", h, pr$pred[h])
    add(cs$case, "predse", h, pr$se[h])
  }
}
write.csv(do.call(rbind, rows), "arima_reference.csv", row.names = FALSE, quote = FALSE)

# auto.arima with its defaults (forecast package version recorded).
autos <- list(list("air", AirPassengers, 12), list("usaccdeaths", USAccDeaths, 12), list("wwwusage", www, 1),
              list("lakehuron", LakeHuron, 1), list("nile", Nile, 1), list("trend", syn2, 1), list("store", syn, 1),
              list("nottem", nottem, 12), list("sunspots", sunspot.year, 1))
arows <- list()
for (a in autos) {
  x <- ts(as.numeric(a[[2]]), frequency = a[[3]])
  f <- auto.arima(x)
  o <- arimaorder(f)
  ord <- c(o[1:3], if (length(o) >= 6) o[4:6] else c(0, 0, 0))
  arows[[length(arows) + 1L]] <- data.frame(series = a[[1]], s = a[[3]], p = ord[1], d = ord[2], q = ord[3], P = ord[4], D = ord[5], Q = ord[6],
                                            drift = as.integer("drift" %in% names(f$coef)), aicc = sprintf("%.15g", f$aicc))
}
write.csv(do.call(rbind, arows), "auto_reference.csv", row.names = FALSE, quote = FALSE)
writeLines(c(R.version.string, paste("forecast", as.character(packageVersion("forecast")))), "versions.txt")
