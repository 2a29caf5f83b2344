using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CemCore.Sources;

namespace CemCore.Churn;

/// <summary>Reflection-free (AOT-safe) JSON persistence of <see cref="LogisticRegressionModel"/>.</summary>
internal static class LogisticRegressionModelJson
{
    public static string Write(LogisticRegressionModel model)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("format", LogisticRegressionModel.JsonFormat);
            w.WriteNumber("version", LogisticRegressionModel.JsonVersion);
            w.WriteStartArray("features");
            foreach (var n in model.FeatureNames)
            {
                w.WriteStringValue(n);
            }

            w.WriteEndArray();
            w.WriteBoolean("standardized", model.Standardized);
            WriteArray(w, "means", model.MeanSpan);
            WriteArray(w, "scales", model.ScaleSpan);
            WriteArray(w, "coefficients", model.CoefficientSpan);
            w.WritePropertyName("intercept");
            WriteDouble(w, model.Intercept);
            w.WriteStartObject("missingValues");
            w.WriteString("strategy", StrategyName(model.MissingValues.Strategy));
            w.WritePropertyName("constant");
            WriteDouble(w, model.MissingValues.Constant);
            w.WriteStartArray("fill");
            foreach (var f in model.FillSpan)
            {
                if (double.IsNaN(f))
                {
                    w.WriteNullValue();
                }
                else
                {
                    WriteDouble(w, f);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("training");
            w.WritePropertyName("c");
            WriteDouble(w, model.C);
            w.WriteStartObject("classWeights");
            w.WriteString("mode", ModeName(model.ClassWeights.Mode));
            if (model.ClassWeights.Mode == ClassWeightMode.Custom)
            {
                w.WritePropertyName("negative");
                WriteDouble(w, model.ClassWeights.Negative);
                w.WritePropertyName("positive");
                WriteDouble(w, model.ClassWeights.Positive);
            }

            w.WriteEndObject();
            w.WriteNumber("rows", model.TrainingRows);
            var d = model.Diagnostics;
            w.WriteNumber("iterations", d.Iterations);
            w.WritePropertyName("gradientNorm");
            WriteDouble(w, d.GradientNorm);
            w.WritePropertyName("objective");
            WriteDouble(w, d.Objective);
            w.WriteString("status", StatusName(d.Status));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static LogisticRegressionModel Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = Primitives.JsonText.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(Primitives.JsonDepth.Reason(json, $"The model document is not valid JSON: {ex.Message}"), ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("format", "the document must be a JSON object.");
            }

            var format = String(root, "format");
            if (!string.Equals(format, LogisticRegressionModel.JsonFormat, StringComparison.Ordinal))
            {
                throw Bad("format", $"expected '{LogisticRegressionModel.JsonFormat}'.");
            }

            var version = Int(root, "version");
            if (version != LogisticRegressionModel.JsonVersion)
            {
                throw Bad("version", string.Create(CultureInfo.InvariantCulture, $"unsupported model version {version}; this library reads version {LogisticRegressionModel.JsonVersion}."));
            }

            var featuresEl = Member(root, "features", JsonValueKind.Array);
            var names = new string[featuresEl.GetArrayLength()];
            var i = 0;
            foreach (var e in featuresEl.EnumerateArray())
            {
                names[i++] = e.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(e.GetString())
                    ? e.GetString()!
                    : throw Bad("features", "every feature name must be a non-empty string.");
            }

            try
            {
                names = FeatureMatrix.ValidateNames(names);
            }
            catch (ArgumentException ex)
            {
                throw new DataFormatException(ex.Message, null, null, "features", ex);
            }

            var k = names.Length;
            var standardized = Member(root, "standardized", JsonValueKind.True, JsonValueKind.False).GetBoolean();
            var means = Doubles(root, "means", k, allowNull: false);
            var scales = Doubles(root, "scales", k, allowNull: false);
            foreach (var s in scales)
            {
                if (s <= 0)
                {
                    throw Bad("scales", "every scale must be > 0.");
                }
            }

            var coefficients = Doubles(root, "coefficients", k, allowNull: false);
            var intercept = Double(root, "intercept");
            var mv = Member(root, "missingValues", JsonValueKind.Object);
            var strategy = String(mv, "strategy") switch
            {
                "reject" => MissingValueStrategy.Reject,
                "imputeTrainingMean" => MissingValueStrategy.ImputeTrainingMean,
                "imputeConstant" => MissingValueStrategy.ImputeConstant,
                var other => throw Bad("missingValues.strategy", $"unknown strategy '{other}' (expected reject, imputeTrainingMean or imputeConstant)."),
            };
            var constant = Double(mv, "constant");
            var policy = strategy switch
            {
                MissingValueStrategy.ImputeTrainingMean => MissingValuePolicy.ImputeTrainingMean,
                MissingValueStrategy.ImputeConstant => MissingValuePolicy.ImputeConstant(constant),
                _ => MissingValuePolicy.Reject,
            };
            var fill = Doubles(mv, "fill", k, allowNull: true);
            if (strategy != MissingValueStrategy.Reject && Array.Exists(fill, double.IsNaN))
            {
                throw Bad("missingValues.fill", "an imputing policy needs a fill value for every feature.");
            }

            var training = Member(root, "training", JsonValueKind.Object);
            var c = Double(training, "c");
            if (c <= 0)
            {
                throw Bad("training.c", "C must be > 0.");
            }

            var cw = Member(training, "classWeights", JsonValueKind.Object);
            var classWeights = String(cw, "mode") switch
            {
                "none" => ClassWeights.None,
                "balanced" => ClassWeights.Balanced,
                "custom" => CustomWeights(cw),
                var other => throw Bad("training.classWeights.mode", $"unknown mode '{other}' (expected none, balanced or custom)."),
            };
            var rows = Int(training, "rows");
            var iterations = Int(training, "iterations");
            var gradientNorm = Double(training, "gradientNorm");
            var objective = Double(training, "objective");
            var status = String(training, "status") switch
            {
                "converged" => LogisticRegressionStatus.Converged,
                "maxIterationsReached" => LogisticRegressionStatus.MaxIterationsReached,
                "lineSearchFailed" => LogisticRegressionStatus.LineSearchFailed,
                var other => throw Bad("training.status", $"unknown status '{other}'."),
            };
            try
            {
                return new LogisticRegressionModel(
                    names, means, scales, coefficients, intercept, standardized, policy, fill, c, classWeights, rows,
                    new LogisticRegressionDiagnostics(iterations, gradientNorm, objective, status));
            }
            catch (ArgumentException ex)
            {
                throw new DataFormatException(ex.Message, null, null, "scales", ex);
            }
        }
    }

    private static ClassWeights CustomWeights(JsonElement cw)
    {
        try
        {
            return ClassWeights.Custom(Double(cw, "negative"), Double(cw, "positive"));
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new DataFormatException(ex.Message, null, null, "training.classWeights", ex);
        }
    }

    private static void WriteDouble(Utf8JsonWriter w, double value) =>
        w.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: false);

    private static void WriteArray(Utf8JsonWriter w, string name, ReadOnlySpan<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            WriteDouble(w, v);
        }

        w.WriteEndArray();
    }

    private static string StrategyName(MissingValueStrategy s) => s switch
    {
        MissingValueStrategy.ImputeTrainingMean => "imputeTrainingMean",
        MissingValueStrategy.ImputeConstant => "imputeConstant",
        _ => "reject",
    };

    private static string ModeName(ClassWeightMode m) => m switch
    {
        ClassWeightMode.Balanced => "balanced",
        ClassWeightMode.Custom => "custom",
        _ => "none",
    };

    private static string StatusName(LogisticRegressionStatus s) => s switch
    {
        LogisticRegressionStatus.MaxIterationsReached => "maxIterationsReached",
        LogisticRegressionStatus.LineSearchFailed => "lineSearchFailed",
        _ => "converged",
    };

    private static DataFormatException Bad(string field, string reason) => new(reason, null, null, field);

    private static JsonElement Member(JsonElement obj, string name, params JsonValueKind[] kinds)
    {
        if (!obj.TryGetProperty(name, out var e))
        {
            throw Bad(name, "the member is missing.");
        }

        if (Array.IndexOf(kinds, e.ValueKind) < 0)
        {
            throw Bad(name, $"expected {string.Join(" or ", kinds)} but found {e.ValueKind}.");
        }

        return e;
    }

    private static string String(JsonElement obj, string name) => Member(obj, name, JsonValueKind.String).GetString()!;

    private static int Int(JsonElement obj, string name)
    {
        var e = Member(obj, name, JsonValueKind.Number);
        return e.TryGetInt32(out var v) && v >= 0 ? v : throw Bad(name, "expected a non-negative whole number.");
    }

    private static double Double(JsonElement obj, string name)
    {
        var e = Member(obj, name, JsonValueKind.Number);
        return e.TryGetDouble(out var v) && double.IsFinite(v) ? v : throw Bad(name, "expected a finite number.");
    }

    private static double[] Doubles(JsonElement obj, string name, int length, bool allowNull)
    {
        var e = Member(obj, name, JsonValueKind.Array);
        if (e.GetArrayLength() != length)
        {
            throw Bad(name, string.Create(CultureInfo.InvariantCulture, $"expected {length} values (one per feature) but found {e.GetArrayLength()}."));
        }

        var result = new double[length];
        var i = 0;
        foreach (var v in e.EnumerateArray())
        {
            if (allowNull && v.ValueKind == JsonValueKind.Null)
            {
                result[i++] = double.NaN;
            }
            else if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d))
            {
                result[i++] = d;
            }
            else
            {
                throw Bad(name, string.Create(CultureInfo.InvariantCulture, $"element {i} must be a finite number."));
            }
        }

        return result;
    }
}
