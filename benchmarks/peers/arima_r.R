#!/usr/bin/env Rscript
# Peer timing for ForecastBenchmarks (issue 11), run by the benchmark's [GlobalSetup] right before the C# measurements:
#   fit:  R stats::arima(method = "ML") airline fit + predict(12) on log AirPassengers (median of 30)
#   auto: forecast::auto.arima(AirPassengers) (median of 5)
#   many: the same 10,000 ARIMA(1,0,1) series shape as ManySeries* (104 points), fit + predict(8): one core, and both cores
#         with parallel::mclapply (series/s)
# Usage: Rscript benchmarks/peers/arima_r.R [fit|auto|many|all]   (Debian r-base-core + r-cran-forecast)
suppressPackageStartupMessages(library(forecast))
args <- commandArgs(trailingOnly = TRUE)
what <- if (length(args) > 0) args[1] else "all"
med <- function(f, reps) { t <- numeric(reps); for (i in seq_len(reps)) { s <- proc.time()[["elapsed"]]; f(); t[i] <- proc.time()[["elapsed"]] - s }; median(t) }
if (what %in% c("fit", "all")) {
  lx <- log(AirPassengers)
  a <- med(function() predict(arima(lx, c(0, 1, 1), seasonal = list(order = c(0, 1, 1), period = 12), method = "ML"), 12), 30)
  cat(sprintf("stats::arima airline fit + predict(12): %.2f ms (median of 30)\n", 1000 * a))
}
if (what %in% c("auto", "all")) {
  b <- med(function() auto.arima(AirPassengers), 5)
  cat(sprintf("forecast::auto.arima(AirPassengers): %.1f ms (median of 5)\n", 1000 * b))
}
if (what %in% c("many", "all")) {
  set.seed(42)
  many <- replicate(10000, 100 + 10 * arima.sim(list(ar = 0.6, ma = 0.3), 104), simplify = FALSE)
  one <- function(x) predict(arima(x, c(1, 0, 1), method = "ML"), 8)$pred[8]
  s <- proc.time()[["elapsed"]]
  for (x in many[1:2000]) one(x)
  e <- proc.time()[["elapsed"]] - s
  cat(sprintf("stats::arima ARIMA(1,0,1) fit + predict(8), one core (2,000 of the 10,000 series): %.0f series/s\n", 2000 / e))
  cores <- max(1L, parallel::detectCores())
  s <- proc.time()[["elapsed"]]
  invisible(parallel::mclapply(many, one, mc.cores = cores))
  e <- proc.time()[["elapsed"]] - s
  cat(sprintf("stats::arima ARIMA(1,0,1) fit + predict(8), 10,000 series, mclapply on %d cores: %.2f s = %.0f series/s\n", cores, e, 10000 / e))
}
