#!/usr/bin/env Rscript
# Peer timing for ForecastBenchmarks (issue 11): R stats::arima(method = "ML") airline fit + predict, forecast::auto.arima on
# AirPassengers, and 1,000 ARIMA(1,0,1) fits (per-series time, to compare with the 10,000-series parallel run). Median of repeated runs.
# Usage: Rscript benchmarks/peers/arima_r.R   (Debian r-base-core + r-cran-forecast)
suppressPackageStartupMessages(library(forecast))
med <- function(f, reps) { t <- numeric(reps); for (i in seq_len(reps)) { s <- proc.time()[["elapsed"]]; f(); t[i] <- proc.time()[["elapsed"]] - s }; median(t) }
lx <- log(AirPassengers)
a <- med(function() predict(arima(lx, c(0, 1, 1), seasonal = list(order = c(0, 1, 1), period = 12), method = "ML"), 12), 30)
cat(sprintf("stats::arima airline fit + predict(12): %.2f ms (median of 30)\n", 1000 * a))
b <- med(function() auto.arima(AirPassengers), 5)
cat(sprintf("forecast::auto.arima(AirPassengers): %.1f ms (median of 5)\n", 1000 * b))
set.seed(42)
many <- replicate(1000, 100 + 10 * arima.sim(list(ar = 0.6, ma = 0.3), 104), simplify = FALSE)
s <- proc.time()[["elapsed"]]
for (x in many) predict(arima(x, c(1, 0, 1), method = "ML"), 8)
e <- proc.time()[["elapsed"]] - s
cat(sprintf("stats::arima ARIMA(1,0,1) fit + predict(8), one core: %.0f series/s\n", 1000 / e))
